# A PULC attribute task's evaluation data (person_attribute, vehicle_attribute, table_attribute of
# PaddleClas 2.6): PaddleClas' multi-label lists (`path<TAB>v0,v1,...`, one 0/1 value per
# attribute; its MultiLabelDataset) and mmpretrain's MultiLabelMetric at 0.5, which stands in for
# PaddleClas' ATTRMetric (mA). Leaf configs set the pipeline (a plain resize to the task's size).
_base_ = './pulc_paddleclas_list.py'
test_dataloader = dict(dataset=dict(multi_label=True))
test_evaluator = dict(_delete_=True, type='MultiLabelMetric', thr=0.5)
