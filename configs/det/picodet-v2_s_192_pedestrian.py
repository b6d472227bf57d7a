# PicoDet v2 S at 192 for one class, pedestrians (PP-TinyPose's detector): PaddleDetection's
# configs/picodet/application/pedestrian_detection/picodet_s_192_lcnet_pedestrian.yml at
# 666f597fd0: picodet-v2_s_320_pedestrian.py at 192 (training sizes 128-256) with ATSS top-k 4
# (the stride-64 level has 3 x 3 priors at 192); 64 images per GPU x 4, lr 0.32, 300 epochs.
_base_ = './picodet-v2_s_320_pedestrian.py'

# ---------------- parameters that often need to be modified ----------------
input_size = 192
atss_topk = 4  # ATSS candidates per level and box
# ----------------------------------------------------------------------------

# Derived as in picodet-v2_s_320_coco.py, for the new input size.
train_sizes = list(range(input_size - 64, input_size + 65, 32))
test_pipeline = [dict(t, scale=(input_size, input_size)) if t.type == 'Resize' else t
                 for t in _base_.test_pipeline]
model = dict(train_cfg=dict(initial_assigner=dict(topk=atss_topk)))
train_dataloader = dict(collate_fn=dict(sizes=train_sizes))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
