_base_ = [
    '../../_base_/models/pplcnet_pulc_multilabel.py',
    '../../_base_/datasets/pulc_paddleclas_list_multilabel.py',
    '../../_base_/default_runtime_cls.py'
]
# PULC person_attribute: 26 attributes of a pedestrian crop, PA-100K (PaddleClas 2.6
# ppcls/configs/PULC/person_attribute/PPLCNet_x1_0.yaml: Arch, Infer transforms (a plain resize
# to 192x256, w x h), PersonAttribute post-processing as the yaml and deploy/configs set it).
# Multi-label (sigmoid).

# ==================== parameters that often need to be modified ====================
data_root = 'data/pulc/pa100k/'  # PaddleClas' dataset/pa100k
ann_file = 'val_list.txt'
# PersonAttribute: gender, hat, bag, clothing and boots at `threshold`; glasses and "holding
# objects in front" at their own
postprocess = dict(type='PersonAttribute', threshold=0.5, glasses_threshold=0.3,
                   hold_threshold=0.6)
# ====================================================================================
# the attribute of each output, in PaddleClas' order (pplc_vision PersonAttribute.ATTRIBUTES)
classes = ('Hat', 'Glasses', 'ShortSleeve', 'LongSleeve', 'UpperStride', 'UpperLogo',
           'UpperPlaid', 'UpperSplice', 'LowerStripe', 'LowerPattern', 'LongCoat', 'Trousers',
           'Shorts', 'Skirt&Dress', 'Boots', 'HandBag', 'ShoulderBag', 'Backpack',
           'HoldObjectsInFront', 'AgeLess18', 'Age18-60', 'AgeOver60', 'Female', 'Front',
           'Side', 'Back')
input_size = (192, 256)  # (w, h): PaddleClas' ResizeImage size [192, 256]

data_preprocessor = dict(num_classes=len(classes))
model = dict(head=dict(num_classes=len(classes), postprocess=postprocess))
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=input_size),
    dict(type='PackInputs'),
]
test_dataloader = dict(dataset=dict(data_root=data_root, ann_file=ann_file,
                                    metainfo=dict(classes=classes), pipeline=test_pipeline))
