"""The one error of damaged or missing data, which the tools print as one ``error:`` line.

Every checked dataset and loader of this package (COCO files, the Cityscapes layout, ImageNet
folders, Fashion-MNIST IDX files, images and label maps) raises :class:`DataError` with a message
that names the file and what is wrong with it, at the dataset's first touch of the file:
annotation files when the dataset is built, images and label maps when a sample is read.
:class:`MissingDataError` is the same for a file or folder that does not exist (it is also a
``FileNotFoundError``).
"""


class DataError(ValueError):
    """Data that cannot be used; the message is one line naming the file and the problem."""


class MissingDataError(DataError, FileNotFoundError):
    """A data file or folder that does not exist; the message names it."""


def data_error_message(error: DataError) -> str:
    """The one-line message of ``error``, also when a DataLoader worker re-raised it (torch puts
    ``Caught DataError in DataLoader worker process N`` and the worker's traceback before it)."""
    message = str(error)
    if 'Original Traceback' not in message:
        return message
    last = [line for line in message.splitlines() if line.strip()][-1]
    name = type(error).__name__
    for prefix in (f'{type(error).__module__}.{name}: ', f'{name}: '):
        if last.startswith(prefix):
            return last[len(prefix):]
    return last
