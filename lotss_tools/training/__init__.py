"""Training sets for deep-learning source detectors: patches, boxes, IoU and NMS.

`TrainingSetBuilder` cuts a LoTSS mosaic into pooled, normalised,
fixed-size patches on the package's `~lotss_tools.tiling.TileGrid` and turns
catalogue sources into target boxes with confidence labels from a
cross-match; `TrainingSet` holds the result and reads and writes it. The
pieces are usable on their own: `pool`, `normalize`, `iou`, `nms` and its
variants across patch overlaps and mosaics, `ellipse_bounding_boxes`,
`confidence_labels` and `yolo_targets`.
"""

from .boxes import *  # noqa: F401,F403
from .builder import *  # noqa: F401,F403
from .dataset import *  # noqa: F401,F403
from .labels import *  # noqa: F401,F403
from .normalize import *  # noqa: F401,F403
from .pooling import *  # noqa: F401,F403
from .targets import *  # noqa: F401,F403
