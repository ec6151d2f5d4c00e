#ifndef CJPEG_SHIM_H
#define CJPEG_SHIM_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <jpeglib.h>

/* libjpeg reports fatal errors by calling error_exit, which must not return; Swift cannot use
   setjmp, so the whole decode lives here and turns errors into a message. */
struct cjpeg_error {
    struct jpeg_error_mgr mgr;
    jmp_buf jump;
    char message[JMSG_LENGTH_MAX];
};

static void cjpeg_error_exit(j_common_ptr cinfo) {
    struct cjpeg_error *err = (struct cjpeg_error *)cinfo->err;
    (*cinfo->err->format_message)(cinfo, err->message);
    longjmp(err->jump, 1);
}

/// Decodes a JPEG file to 8-bit grayscale. Returns 0 and a malloc'ed buffer in *out (free with
/// free()), -1 with a message in `message` (at least 200 bytes), or -2 when the header's size
/// (left in *width, *height) is above `max_pixels`, before any pixel memory is taken.
static inline int cjpeg_read_gray(const char *path, size_t max_pixels, unsigned char **out, int *width, int *height,
                                  char *message, size_t message_size) {
    FILE *file = fopen(path, "rb");
    if (!file) { snprintf(message, message_size, "cannot open file"); return -1; }
    struct jpeg_decompress_struct cinfo;
    struct cjpeg_error err;
    unsigned char *volatile pixels = NULL;
    cinfo.err = jpeg_std_error(&err.mgr);
    err.mgr.error_exit = cjpeg_error_exit;
    err.message[0] = 0;
    if (setjmp(err.jump)) {
        snprintf(message, message_size, "%s", err.message);
        jpeg_destroy_decompress(&cinfo);
        fclose(file);
        free(pixels);
        return -1;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_stdio_src(&cinfo, file);
    jpeg_read_header(&cinfo, TRUE);
    *width = (int)cinfo.image_width;
    *height = (int)cinfo.image_height;
    if ((size_t)cinfo.image_width * cinfo.image_height > max_pixels) {
        jpeg_destroy_decompress(&cinfo);
        fclose(file);
        return -2;
    }
    cinfo.out_color_space = JCS_GRAYSCALE;
    jpeg_start_decompress(&cinfo);
    size_t stride = cinfo.output_width;
    pixels = malloc(stride * cinfo.output_height);
    if (!pixels) { snprintf(message, message_size, "out of memory"); jpeg_destroy_decompress(&cinfo); fclose(file); return -1; }
    while (cinfo.output_scanline < cinfo.output_height) {
        JSAMPROW row = pixels + stride * cinfo.output_scanline;
        jpeg_read_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_decompress(&cinfo);
    *width = (int)cinfo.output_width;
    *height = (int)cinfo.output_height;
    *out = pixels;
    jpeg_destroy_decompress(&cinfo);
    fclose(file);
    return 0;
}
#endif
