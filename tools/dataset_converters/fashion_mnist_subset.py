"""Make the embedded demo set data/demo_cls from Debian's dataset-fashion-mnist (MIT).

    apt-get install dataset-fashion-mnist
    python tools/dataset_converters/fashion_mnist_subset.py /usr/share/datasets/fashion-mnist \
        data/demo_cls --train-per-class 60 --val-per-class 20 --seed 0
"""
import argparse
import sys

from pplc_vision.datasets.fashion_mnist_subset import make_subset


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('src', help='folder with the four Fashion-MNIST *-idx?-ubyte.gz files')
    parser.add_argument('out', help='output folder (ImageNet folder layout)')
    parser.add_argument('--train-per-class', type=int, default=60)
    parser.add_argument('--val-per-class', type=int, default=20)
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args()
    try:
        counts = make_subset(args.src, args.out, args.train_per_class, args.val_per_class,
                             args.seed)
    except (FileNotFoundError, ValueError) as e:
        sys.exit(f'error: {e}')
    print(f'wrote {counts} images to {args.out}')


if __name__ == '__main__':
    main()
