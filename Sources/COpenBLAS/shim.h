#include <cblas.h>
// Not declared in every cblas.h; present in every OpenBLAS build.
char *openblas_get_corename(void);
