/*
 * Compiled PNG un-filter (spotdiff/io/png.py documents the decoder; without
 * this extension that module declines and PNG files go to libpng).
 *
 * One function, unfilter(src, dst, height, stride, bpp): ``src`` holds the
 * inflated image data of a non-interlaced PNG, ``height`` rows of one filter
 * byte followed by ``stride`` bytes; each row is reconstructed into ``dst``
 * (height * stride bytes, rows without their filter byte) as the PNG
 * specification (section 9) defines the five filter types, on bytes, with
 * ``bpp`` bytes per complete pixel (at least 1). ``dst`` may be ``src``
 * itself: row y is written at y * stride, before the bytes it reads (from
 * y * (stride + 1) + 1 on) in the same forward pass, so the image is
 * rebuilt in the buffer it was inflated into. The GIL is released while it
 * runs. Returns None, or raises ValueError naming the first row whose
 * filter type is not 0-4.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The Paeth predictor of the specification, on bytes. */
static inline uint8_t paeth(int a, int b, int c)
{
    int pa = abs(b - c);
    int pb = abs(a - c);
    int pc = abs(a + b - 2 * c);
    if (pa <= pb && pa <= pc)
        return (uint8_t)a;
    return (uint8_t)(pb <= pc ? b : c);
}

/* Sub and Paeth for a fixed ``BPP``: the bytes of one pixel are
 * independent chains, kept in locals so that the compiler keeps them in
 * registers and overlaps them (the byte-wise loop waits on memory).
 * ``f`` and ``out`` may overlap (``out`` before ``f``: see above), so they
 * are not ``restrict``; the row above never overlaps either. */
#define DEFINE_PIXEL_LOOPS(BPP)                                                        \
    static inline void sub_##BPP(const uint8_t *f, uint8_t *out,                              \
                          Py_ssize_t stride)                                           \
    {                                                                                  \
        uint8_t a[BPP] = {0};                                                          \
        for (Py_ssize_t i = 0; i + BPP <= stride; i += BPP)                            \
            for (int k = 0; k < BPP; k++)                                              \
                out[i + k] = a[k] = (uint8_t)(f[i + k] + a[k]);                        \
    }                                                                                  \
    static inline void avg_##BPP(const uint8_t *f, uint8_t *out,                              \
                          const uint8_t *restrict up, Py_ssize_t stride)               \
    {                                                                                  \
        uint8_t a[BPP] = {0};                                                          \
        for (Py_ssize_t i = 0; i + BPP <= stride; i += BPP)                            \
            for (int k = 0; k < BPP; k++)                                              \
                out[i + k] = a[k] = (uint8_t)(f[i + k] + ((a[k] + up[i + k]) >> 1));   \
    }                                                                                  \
    static inline void paeth_##BPP(const uint8_t *f, uint8_t *out,                            \
                            const uint8_t *restrict up, Py_ssize_t stride)             \
    {                                                                                  \
        uint8_t a[BPP] = {0}, c[BPP] = {0};                                            \
        for (Py_ssize_t i = 0; i + BPP <= stride; i += BPP)                            \
            for (int k = 0; k < BPP; k++) {                                            \
                uint8_t b = up[i + k];                                                 \
                out[i + k] = a[k] = (uint8_t)(f[i + k] + paeth(a[k], b, c[k]));        \
                c[k] = b;                                                              \
            }                                                                          \
    }

DEFINE_PIXEL_LOOPS(1)
DEFINE_PIXEL_LOOPS(2)
DEFINE_PIXEL_LOOPS(3)
DEFINE_PIXEL_LOOPS(4)
DEFINE_PIXEL_LOOPS(6)
DEFINE_PIXEL_LOOPS(8)

#if defined(__SSE2__)
#include <emmintrin.h>

/* Paeth on one pixel of 3 or 4 bytes at a time, its bytes in 16-bit lanes
 * and the predictor chosen without branches (photos make the branches of
 * paeth() unpredictable): the smallest of pa, pb, pc, then a where pa is
 * it, else b where pb is, else c, which is the specification's order of
 * ties. ``BPP`` bytes are read and written with memcpy, never past the row. */
#define DEFINE_PAETH_SSE2(BPP)                                                         \
    static void paeth_sse2_##BPP(const uint8_t *f, uint8_t *out,                       \
                                 const uint8_t *restrict up, Py_ssize_t stride)        \
    {                                                                                  \
        const __m128i zero = _mm_setzero_si128(), low = _mm_set1_epi16(0xff);          \
        __m128i a = zero, c = zero;                                                    \
        for (Py_ssize_t i = 0; i + BPP <= stride; i += BPP) {                          \
            uint32_t bb = 0, xx = 0, oo;                                               \
            memcpy(&bb, up + i, BPP);                                                  \
            memcpy(&xx, f + i, BPP);                                                   \
            __m128i b = _mm_unpacklo_epi8(_mm_cvtsi32_si128((int)bb), zero);           \
            __m128i x = _mm_unpacklo_epi8(_mm_cvtsi32_si128((int)xx), zero);           \
            __m128i bc = _mm_sub_epi16(b, c), ac = _mm_sub_epi16(a, c);                \
            __m128i sum = _mm_add_epi16(bc, ac);                                       \
            __m128i pa = _mm_max_epi16(bc, _mm_sub_epi16(zero, bc));                   \
            __m128i pb = _mm_max_epi16(ac, _mm_sub_epi16(zero, ac));                   \
            __m128i pc = _mm_max_epi16(sum, _mm_sub_epi16(zero, sum));                 \
            __m128i least = _mm_min_epi16(pa, _mm_min_epi16(pb, pc));                  \
            __m128i is_b = _mm_cmpeq_epi16(least, pb), is_a = _mm_cmpeq_epi16(least, pa); \
            __m128i pick = _mm_or_si128(_mm_and_si128(is_b, b), _mm_andnot_si128(is_b, c)); \
            pick = _mm_or_si128(_mm_and_si128(is_a, a), _mm_andnot_si128(is_a, pick));  \
            a = _mm_and_si128(_mm_add_epi16(x, pick), low);                            \
            oo = (uint32_t)_mm_cvtsi128_si32(_mm_packus_epi16(a, a));                  \
            memcpy(out + i, &oo, BPP);                                                 \
            c = b;                                                                     \
        }                                                                              \
    }

DEFINE_PAETH_SSE2(3)
DEFINE_PAETH_SSE2(4)
#define paeth_best_3 paeth_sse2_3
#define paeth_best_4 paeth_sse2_4
#else
#define paeth_best_3 paeth_3
#define paeth_best_4 paeth_4
#endif
#define paeth_best_1 paeth_1
#define paeth_best_2 paeth_2
#define paeth_best_6 paeth_6
#define paeth_best_8 paeth_8

/* Call NAME_<bpp>(...) and return 0 from the caller, for the fixed sizes. */
#define RETURN_BY_BPP(NAME, ...)                                                       \
    switch (bpp) {                                                                     \
    case 1: NAME##_1(__VA_ARGS__); return 0;                                           \
    case 2: NAME##_2(__VA_ARGS__); return 0;                                           \
    case 3: NAME##_3(__VA_ARGS__); return 0;                                           \
    case 4: NAME##_4(__VA_ARGS__); return 0;                                           \
    case 6: NAME##_6(__VA_ARGS__); return 0;                                           \
    case 8: NAME##_8(__VA_ARGS__); return 0;                                           \
    }

static int fixed_bpp(Py_ssize_t bpp, Py_ssize_t stride)
{
    return stride % bpp == 0 && (bpp <= 4 || bpp == 6 || bpp == 8);
}

/* Row ``y`` of ``dst`` from its filtered bytes ``f``; ``up`` is the row
 * above (NULL for the first row, which has zeros above it). */
static int unfilter_row(int type, const uint8_t *f, uint8_t *out,
                        const uint8_t *restrict up, Py_ssize_t stride, Py_ssize_t bpp)
{
    Py_ssize_t i;
    if (up == NULL && type >= 2) {
        /* zeros above: Up is None, Average halves the left byte, Paeth is Sub */
        if (type == 2) type = 0;
        else if (type == 4) type = 1;
    }
    switch (type) {
    case 0:
        memmove(out, f, (size_t)stride);
        return 0;
    case 1:
        if (fixed_bpp(bpp, stride))
            RETURN_BY_BPP(sub, f, out, stride)
        for (i = 0; i < bpp && i < stride; i++)
            out[i] = f[i];
        for (; i < stride; i++)
            out[i] = (uint8_t)(f[i] + out[i - bpp]);
        return 0;
    case 2:
        for (i = 0; i < stride; i++)
            out[i] = (uint8_t)(f[i] + up[i]);
        return 0;
    case 3:
        if (up != NULL && fixed_bpp(bpp, stride))
            RETURN_BY_BPP(avg, f, out, up, stride)
        for (i = 0; i < bpp && i < stride; i++)
            out[i] = (uint8_t)(f[i] + ((up ? up[i] : 0) >> 1));
        for (; i < stride; i++)
            out[i] = (uint8_t)(f[i] + ((out[i - bpp] + (up ? up[i] : 0)) >> 1));
        return 0;
    case 4:
        if (fixed_bpp(bpp, stride))
            RETURN_BY_BPP(paeth_best, f, out, up, stride)
        for (i = 0; i < bpp && i < stride; i++)
            out[i] = (uint8_t)(f[i] + up[i]);
        for (; i < stride; i++)
            out[i] = (uint8_t)(f[i] + paeth(out[i - bpp], up[i], up[i - bpp]));
        return 0;
    default:
        return -1;
    }
}

static PyObject *unfilter(PyObject *self, PyObject *args)
{
    Py_buffer src, dst;
    Py_ssize_t height, stride, bpp, y, bad = -1;
    (void)self;
    if (!PyArg_ParseTuple(args, "y*w*nnn", &src, &dst, &height, &stride, &bpp))
        return NULL;
    if (height < 0 || stride < 1 || bpp < 1 || src.len < height * (stride + 1)
        || dst.len < height * stride) {
        PyBuffer_Release(&src);
        PyBuffer_Release(&dst);
        PyErr_SetString(PyExc_ValueError, "unfilter: buffer sizes do not match the image");
        return NULL;
    }
    {
        const uint8_t *in = (const uint8_t *)src.buf;
        uint8_t *out = (uint8_t *)dst.buf;
        Py_BEGIN_ALLOW_THREADS
        for (y = 0; y < height; y++) {
            const uint8_t *row = in + y * (stride + 1);
            uint8_t *o = out + y * stride;
            if (unfilter_row(row[0], row + 1, o, y ? o - stride : NULL, stride, bpp)) {
                bad = y;
                break;
            }
        }
        Py_END_ALLOW_THREADS
    }
    PyBuffer_Release(&src);
    PyBuffer_Release(&dst);
    if (bad >= 0) {
        PyErr_Format(PyExc_ValueError, "row %zd has an unknown filter type", bad);
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"unfilter", unfilter, METH_VARARGS,
     "unfilter(src, dst, height, stride, bpp): reconstruct PNG rows into dst."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_pngfilter", "PNG un-filter (see spotdiff.io.png).", -1, methods,
};

PyMODINIT_FUNC PyInit__pngfilter(void)
{
    return PyModule_Create(&module);
}
