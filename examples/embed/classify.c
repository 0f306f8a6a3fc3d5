/* classify.c: a trained Fashion-MNIST model inside a C program.
 * fashion.h and fashion.c come from `nnc export` (make embed-example);
 * libpng reads the picture: 28x28, light clothes on black, as the
 * training images are.  Usage: ./classify FILE.png... */
#include <png.h>
#include <stdio.h>
#include <string.h>

#include "fashion.h"

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        png_image image;
        memset(&image, 0, sizeof image);
        image.version = PNG_IMAGE_VERSION;
        unsigned char pixels[FASHION_IN];
        float in[FASHION_IN], out[FASHION_OUT];
        if (!png_image_begin_read_from_file(&image, argv[i]) ||
            (image.format = PNG_FORMAT_GRAY, image.width * image.height != FASHION_IN) ||
            !png_image_finish_read(&image, NULL, pixels, 0, NULL)) {
            fprintf(stderr, "%s: not a 28x28 PNG\n", argv[i]);
            png_image_free(&image);
            return 1;
        }
        for (int k = 0; k < FASHION_IN; k++)
            in[k] = pixels[k] / 255.0f;   /* the .nn file's scale 1/255 */
        if (fashion_predict(in, 1, out) != FASHION_OK)
            return 1;
        int best = 0;
        for (int k = 1; k < FASHION_OUT; k++)
            best = out[k] > out[best] ? k : best;
        printf("%s: %s (%.3f)\n", argv[i], fashion_class_names[best], out[best]);
    }
    return 0;
}
