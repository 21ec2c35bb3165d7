// Decoding PNG and JPEG files in memory into 8-bit pixels, interleaved (H×W×C, C = 1 grey or
// 3 RGB), for image-folder data sets. C because libjpeg reports errors by longjmp, which
// Swift cannot catch: every error comes back as a nonzero return and a message instead.
#ifndef CIMAGECODECS_H
#define CIMAGECODECS_H
#include <stddef.h>

/// Reads the dimensions without decoding: width, height, channels (1 or 3 after the
/// conversions decode applies). Returns 0, or nonzero with `message` set.
int dyn_image_info(const unsigned char *data, size_t size, int *width, int *height, int *channels, char *message, size_t message_size);

/// Decodes into `pixels` (width·height·channels bytes, as dyn_image_info said): PNG through
/// libpng's simplified API (grey or RGB, alpha composited on black, 16-bit reduced to 8),
/// JPEG through libjpeg (grey or RGB; CMYK refused). Returns 0, or nonzero with `message` set.
int dyn_image_decode(const unsigned char *data, size_t size, unsigned char *pixels, size_t pixels_size, char *message, size_t message_size);

#endif
