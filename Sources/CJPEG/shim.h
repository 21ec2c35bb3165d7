// libjpeg-turbo's libjpeg API (Debian's libjpeg62-turbo-dev), for image-folder data sets.
// Only CImageCodecs uses it (jpeglib.h needs stdio.h's FILE first).
#include <stdio.h>
#include <jpeglib.h>
