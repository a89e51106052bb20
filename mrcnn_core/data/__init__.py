"""Data loaders and transfer-task builders."""
from .cifar100 import DataError, cifar100_tasks, download_cifar100, find_cifar100, load_cifar100
from .corel import CorelMissing, corel_or_none, corel_tasks, load_corel, load_image_folder
from .tasks import Dataset, Task, make_tasks, select_tasks

__all__ = ["DataError", "Dataset", "Task", "cifar100_tasks", "CorelMissing", "corel_or_none", "corel_tasks", "download_cifar100",
           "find_cifar100", "load_cifar100", "load_corel", "load_image_folder", "make_tasks",
           "select_tasks"]
