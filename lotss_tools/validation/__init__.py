"""Validation that is not circular: a test sky made from interferometer physics.

`simulate_interferometer_sky` makes a LoTSS-like image and its truth from how
LOFAR images are really made, independently of the assumptions of the
package's extractor and cleaner (unlike `lotss_tools.simulate.simulate_mosaic`,
whose artifacts share the cleaner's geometry):

* `lofar_stations`, `lofar_uv_coverage`, `imaging_weights`, `dirty_beam`,
  `synthesized_noise`, `calibration_error_pattern`: the aperture synthesis
  of a LoTSS observation, from the LOFAR station layout to the noise and
  the artifacts of direction-dependent calibration errors;
* `integral_source_counts`, `random_radio_sources`: 144 MHz source counts
  anchored on LoTSS DR1 and FR I / FR II multi-component radio galaxies;
* `source_mask`, `noise_autocorrelation`, `negative_tail_fraction`,
  `rms_variation`, `integral_counts`: what the documentation measures to
  compare a sky with a real LoTSS image;
* `false_detections`: the false detections of a pipeline measured from the
  data, by running it on the negated image (`FalseDetectionReport`), on any
  mosaic, simulated or real.

Bad arguments raise `~lotss_tools.exceptions.InvalidParameterError`, a
`ValueError` and a `~lotss_tools.exceptions.LotssToolsError`.
"""

from .stations import *  # noqa: F401,F403
from .synthesis import *  # noqa: F401,F403
from .population import *  # noqa: F401,F403
from .sky import *  # noqa: F401,F403
from .statistics import *  # noqa: F401,F403
from .negated_image import *  # noqa: F401,F403
