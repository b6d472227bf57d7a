"""Convert labelme's 5 annotated street frames (Debian labelme-examples, GPL: install, do not
vendor) to the Cityscapes layout, classes background / car / truck.

    apt-get install labelme-examples
    python tools/dataset_converters/labelme_video2cityscapes.py data/labelme_street --size 512 288
"""
import argparse
import sys

from pplc_vision.datasets.labelme_video import (DEBIAN_PACKAGE, convert_labelme_video,
                                                find_labelme_video_dir)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('out', help='output folder (Cityscapes layout)')
    parser.add_argument('--src', help='video_annotation/data_dataset_voc folder '
                        '(default: found with dpkg -L labelme-examples)')
    parser.add_argument('--size', nargs=2, type=int, metavar=('W', 'H'),
                        help='resize the frames (default: keep 1000x563)')
    parser.add_argument('--split', default='train')
    args = parser.parse_args()
    src = args.src or find_labelme_video_dir()
    if src is None:
        sys.exit(f'error: {DEBIAN_PACKAGE} is not installed (apt-get install {DEBIAN_PACKAGE}) '
                 'and no --src was given')
    try:
        paths = convert_labelme_video(src, args.out, tuple(args.size) if args.size else None,
                                      args.split)
    except (FileNotFoundError, ValueError) as e:
        sys.exit(f'error: {e}')
    print(f'wrote {len(paths)} frames to {args.out}')


if __name__ == '__main__':
    main()
