#include "CImageCodecs.h"
#include <png.h>
#include <stdio.h>
#include <jpeglib.h>
#include <setjmp.h>
#include <string.h>

static int is_png(const unsigned char *d, size_t n) { return n >= 8 && png_sig_cmp(d, 0, 8) == 0; }
static int is_jpeg(const unsigned char *d, size_t n) { return n >= 3 && d[0] == 0xFF && d[1] == 0xD8 && d[2] == 0xFF; }

static void say(char *message, size_t size, const char *text) {
    if (size > 0) { strncpy(message, text, size - 1); message[size - 1] = 0; }
}

// ---- PNG: libpng's simplified API reports errors in image.message, no longjmp to the caller.
static int png_begin(png_image *image, const unsigned char *data, size_t size, char *message, size_t message_size) {
    memset(image, 0, sizeof *image);
    image->version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_memory(image, data, size)) {
        say(message, message_size, image->message);
        return 1;
    }
    image->format = (image->format & PNG_FORMAT_FLAG_COLOR) ? PNG_FORMAT_RGB : PNG_FORMAT_GRAY;
    return 0;
}

// ---- JPEG: errors longjmp back into these functions, never past them.
struct jpeg_error { struct jpeg_error_mgr manager; jmp_buf jump; char *message; size_t message_size; };

static void jpeg_fail(j_common_ptr info) {
    struct jpeg_error *error = (struct jpeg_error *)info->err;
    char text[JMSG_LENGTH_MAX];
    (*info->err->format_message)(info, text);
    say(error->message, error->message_size, text);
    longjmp(error->jump, 1);
}

static void jpeg_quiet(j_common_ptr info, int level) { (void)info; (void)level; }

static int jpeg_channels(struct jpeg_decompress_struct *info, char *message, size_t message_size) {
    if (info->num_components == 1) { info->out_color_space = JCS_GRAYSCALE; return 1; }
    if (info->jpeg_color_space == JCS_CMYK || info->jpeg_color_space == JCS_YCCK) {
        say(message, message_size, "CMYK JPEG (grey and colour are read; convert it to RGB)");
        return 0;
    }
    info->out_color_space = JCS_RGB;
    return 3;
}

static int jpeg_run(const unsigned char *data, size_t size, int *width, int *height, int *channels,
                    unsigned char *pixels, size_t pixels_size, char *message, size_t message_size) {
    struct jpeg_decompress_struct info;
    struct jpeg_error error;
    info.err = jpeg_std_error(&error.manager);
    error.manager.error_exit = jpeg_fail;
    error.manager.emit_message = jpeg_quiet;
    error.message = message;
    error.message_size = message_size;
    if (setjmp(error.jump)) { jpeg_destroy_decompress(&info); return 1; }
    jpeg_create_decompress(&info);
    jpeg_mem_src(&info, data, (unsigned long)size);
    jpeg_read_header(&info, TRUE);
    int c = jpeg_channels(&info, message, message_size);
    if (c == 0) { jpeg_destroy_decompress(&info); return 1; }
    *width = (int)info.image_width;
    *height = (int)info.image_height;
    *channels = c;
    if (pixels) {
        size_t row = (size_t)info.image_width * (size_t)c;
        if ((size_t)info.image_height * row > pixels_size) { say(message, message_size, "buffer too small"); jpeg_destroy_decompress(&info); return 1; }
        jpeg_start_decompress(&info);
        while (info.output_scanline < info.output_height) {
            JSAMPROW line = pixels + (size_t)info.output_scanline * row;
            jpeg_read_scanlines(&info, &line, 1);
        }
        jpeg_finish_decompress(&info);
    }
    jpeg_destroy_decompress(&info);
    return 0;
}

int dyn_image_info(const unsigned char *data, size_t size, int *width, int *height, int *channels, char *message, size_t message_size) {
    if (is_png(data, size)) {
        png_image image;
        if (png_begin(&image, data, size, message, message_size)) return 1;
        *width = (int)image.width;
        *height = (int)image.height;
        *channels = (int)PNG_IMAGE_PIXEL_CHANNELS(image.format);
        png_image_free(&image);
        return 0;
    }
    if (is_jpeg(data, size)) return jpeg_run(data, size, width, height, channels, NULL, 0, message, message_size);
    say(message, message_size, "neither PNG nor JPEG (by its first bytes)");
    return 1;
}

int dyn_image_decode(const unsigned char *data, size_t size, unsigned char *pixels, size_t pixels_size, char *message, size_t message_size) {
    if (is_png(data, size)) {
        png_image image;
        if (png_begin(&image, data, size, message, message_size)) return 1;
        if (PNG_IMAGE_SIZE(image) > pixels_size) { png_image_free(&image); say(message, message_size, "buffer too small"); return 1; }
        png_color black = {0, 0, 0};
        if (!png_image_finish_read(&image, &black, pixels, 0, NULL)) {
            say(message, message_size, image.message);
            png_image_free(&image);
            return 1;
        }
        return 0;
    }
    int w, h, c;
    if (is_jpeg(data, size)) return jpeg_run(data, size, &w, &h, &c, pixels, pixels_size, message, message_size);
    say(message, message_size, "neither PNG nor JPEG (by its first bytes)");
    return 1;
}
