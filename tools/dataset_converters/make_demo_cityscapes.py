"""Make the embedded segmentation demo set data/demo_cityscapes from scikit-image's CC0 photos.

    python tools/dataset_converters/make_demo_cityscapes.py data/demo_cityscapes

The label rules are documented in pplc_vision/datasets/demo_cityscapes.py and
data/demo_cityscapes/README.md.
"""
import argparse

from pplc_vision.datasets.demo_cityscapes import make_demo_cityscapes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('out', help='output folder (Cityscapes layout)')
    parser.add_argument('--splits', nargs='+', default=['train', 'val'],
                        help='splits to write the photos into (the demo trains and validates '
                        'on the same two photos)')
    args = parser.parse_args()
    counts = make_demo_cityscapes(args.out, tuple(args.splits))
    print(f'wrote {args.out}; labelled pixels per train id (255 = ignore): {counts}')


if __name__ == '__main__':
    main()
