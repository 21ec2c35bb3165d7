// zlib (Debian's zlib1g-dev), for reading gzip-compressed IDX files. Only the Networks
// module's dataset readers use it.
#include <zlib.h>
