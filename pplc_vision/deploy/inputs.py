"""The predictor's inputs: image files, folders of images and video files, read as BGR arrays.

Images are decoded as the test pipelines' ``LoadImageFromFile`` decodes them (mmcv, cv2
backend, colour), so a file gives the predictor the array ``tools/test.py`` sees. A file that
does not decode, an unreadable video, a video that ends before the frame count its header
states (a truncated file), or a missing path raises :class:`PredictorInputError` with one line
naming the file.
"""
import os
from dataclasses import dataclass
from typing import Iterator, List, Optional, Sequence

import cv2
import mmcv
import numpy as np

VIDEO_EXTENSIONS = ('.mp4', '.avi', '.mov', '.mkv', '.webm', '.m4v', '.mpg', '.mpeg')


class PredictorInputError(ValueError):
    """A predictor input (image, folder, video or model file) that cannot be used: one line."""


@dataclass
class Frame:
    """One image to predict: its name (path, or ``video.mp4#12`` for frame 12) and BGR pixels."""
    name: str
    image: np.ndarray
    path: str
    frame_index: Optional[int] = None


def is_video(path: str) -> bool:
    return os.path.splitext(path)[1].lower() in VIDEO_EXTENSIONS


def read_image(path: str) -> np.ndarray:
    """The BGR uint8 image in ``path`` (decoded as ``LoadImageFromFile`` does)."""
    try:
        with open(path, 'rb') as f:
            data = f.read()
    except OSError as e:
        raise PredictorInputError(f'{path}: cannot read the file ({e.strerror})') from None
    image = None
    if data:
        try:
            image = mmcv.imfrombytes(data, flag='color', backend='cv2')
        except Exception:  # noqa: BLE001  (any decoder failure means "not an image")
            image = None
    if image is None:
        raise PredictorInputError(f'{path}: not an image that OpenCV can decode')
    return image


def video_frame_count(path: str) -> int:
    """The frame count a video's header states (0 if it does not say)."""
    capture = cv2.VideoCapture(path)
    try:
        return max(int(capture.get(cv2.CAP_PROP_FRAME_COUNT)), 0)
    finally:
        capture.release()


def read_video(path: str) -> Iterator[Frame]:
    """The frames of a video file; one line naming the file if it does not open, has no frame,
    or ends before the frame count its header states."""
    if not os.path.isfile(path):
        raise PredictorInputError(f'{path}: no such video file')
    capture = cv2.VideoCapture(path)
    try:
        if not capture.isOpened():
            raise PredictorInputError(f'{path}: not a video that OpenCV can open')
        announced = max(int(capture.get(cv2.CAP_PROP_FRAME_COUNT)), 0)
        index = 0
        while True:
            ok, frame = capture.read()
            if not ok:
                break
            yield Frame(f'{path}#{index}', frame, path, index)
            index += 1
        if index == 0:
            raise PredictorInputError(f'{path}: OpenCV reads no frame from this video')
        if index < announced:
            raise PredictorInputError(f'{path}: the video ends after {index} of the {announced} '
                                      'frames its header states (a truncated or damaged file)')
    finally:
        capture.release()


def expand_inputs(inputs: Sequence[str]) -> List[str]:
    """Paths of the images and videos named by ``inputs`` (files, or folders walked in sorted
    order); one line naming a path that does not exist or a folder with no file."""
    paths: List[str] = []
    for item in inputs:
        if os.path.isdir(item):
            found = sorted(os.path.join(root, name) for root, _, names in os.walk(item)
                           for name in names if not name.startswith('.'))
            if not found:
                raise PredictorInputError(f'{item}: the folder holds no file')
            paths.extend(found)
        elif os.path.isfile(item):
            paths.append(item)
        else:
            raise PredictorInputError(f'{item}: no such file or folder')
    return paths


def check_inputs(paths: Sequence[str]) -> None:
    """Fail before any prediction on a path that is neither an image OpenCV recognises (by its
    header, nothing is decoded) nor a video that opens: one line naming the file."""
    for path in paths:
        if is_video(path):
            capture = cv2.VideoCapture(path)
            opened = capture.isOpened()
            capture.release()
            if not opened:
                raise PredictorInputError(f'{path}: not a video that OpenCV can open')
        elif not cv2.haveImageReader(path):
            raise PredictorInputError(f'{path}: not an image that OpenCV can decode')


def count_frames(paths: Sequence[str]) -> int:
    """Images plus the frames videos announce: the length of a progress bar."""
    return sum(video_frame_count(p) if is_video(p) else 1 for p in paths)


def iter_frames(paths: Sequence[str]) -> Iterator[Frame]:
    """Every image of ``paths`` (see :func:`expand_inputs`), videos frame by frame."""
    for path in paths:
        if is_video(path):
            yield from read_video(path)
        else:
            yield Frame(path, read_image(path), path)
