"""Prepare Cityscapes for the segmentation configs (as mmseg's converter does).

    pip install cityscapesscripts
    python tools/dataset_converters/cityscapes.py data/cityscapes --nproc 8

Writes gtFine/<split>/<city>/*_gtFine_labelTrainIds.png (19 train ids, 255 = ignore) from the
*_gtFine_polygons.json files, and train.txt / val.txt / test.txt. See data/cityscapes.md.
"""
import argparse
import sys

from pplc_vision.datasets.cityscapes_prep import prepare_cityscapes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('cityscapes_path', help='Cityscapes root (leftImg8bit/, gtFine/)')
    parser.add_argument('--gt-dir', default='gtFine', help='label folder under the root')
    parser.add_argument('-o', '--out-dir', help='folder for the split lists (default: root)')
    parser.add_argument('--nproc', default=1, type=int, help='worker processes')
    args = parser.parse_args()
    try:
        counts = prepare_cityscapes(args.cityscapes_path, args.gt_dir, args.out_dir, args.nproc)
    except (ImportError, FileNotFoundError) as e:
        sys.exit(f'error: {e}')
    print(f'labelTrainIds written; samples per split: {counts}')


if __name__ == '__main__':
    main()
