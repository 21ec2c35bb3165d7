// libpng (Debian's libpng-dev), for image-folder data sets. Only CImageCodecs uses it.
#include <png.h>
