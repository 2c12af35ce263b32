/*
 * Compiled kernel of spotdiff's SSIM (spotdiff/metrics/ssim.py documents
 * the algorithm; that module's numpy implementation, _band_numpy, is the
 * fallback when this extension is not built and gives the same numbers).
 *
 * One function, band(), computes rows y0 .. y1 of the local SSIM map of one
 * channel of two images in a single pass over the rows: each source row is
 * turned into p = x + y - 2c, m = x - y and their squares, filtered along
 * the row with the symmetric window, kept in a ring of 2r + 1 rows, and
 * every output row is filtered down the columns of that ring and put
 * through the SSIM formula. Only the band's own rows of the output are
 * written and the GIL is released, so bands can run on several threads.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdint.h>
#include <string.h>

/* The row loops are kept out of line: their restrict parameters are what
 * lets the compiler vectorize them. */
#if defined(__GNUC__) || defined(__clang__)
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE
#endif
/* ... and compiled twice on x86-64 Linux with GCC: for AVX2 (eight floats
 * at a time; chosen at load time on CPUs that have it) and for the
 * baseline. Both round every operation the same way (no FMA). */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define ROW_LOOP NOINLINE __attribute__((target_clones("avx2", "default")))
#else
#define ROW_LOOP NOINLINE
#endif

/* Window radius limit (a 2 * 64 + 1 tap window covers sigma ~ 18). */
#define MAX_RADIUS 64

enum { IN_U8, IN_U16, IN_F32, IN_F64 };
enum { MODE_DISSIMILARITY, MODE_SSIM, MODE_CS };

typedef struct {
    const char *x, *y;          /* element (0, 0) of each image's channel */
    Py_ssize_t xs0, xs1;        /* x strides in bytes: rows, columns */
    Py_ssize_t ys0, ys1;
    Py_ssize_t h, w, r;
    int type;                   /* IN_* */
    int reflect101;             /* 0: 'symmetric' edges, 1: reflect-101 */
    int mode;                   /* MODE_* */
    double cc, c1, c2, half, norm;
} Job;

/* Row t of an image of h rows seen through the mirrored border (|t| < h). */
static Py_ssize_t mirror(Py_ssize_t t, Py_ssize_t h, int reflect101)
{
    if (t < 0)
        return reflect101 ? -t : -t - 1;
    if (t >= h)
        return reflect101 ? 2 * h - t - 2 : 2 * h - t - 1;
    return t;
}

/* Values between the starts of two rows in the ring: whole cache lines,
 * plus one, so that the rows read together do not share cache sets. */
static Py_ssize_t row_stride(Py_ssize_t w)
{
    return (w + 15) / 16 * 16 + 16;
}

/* Values of scratch memory band() needs for width w and radius r. */
static Py_ssize_t scratch_values(Py_ssize_t w, Py_ssize_t r)
{
    return 4 * (2 * r + 2) * row_stride(w) + 4 * (w + 2 * r);
}

#define CAT_(a, b) a##_##b
#define CAT(a, b) CAT_(a, b)

#define REAL float
#define SUFFIX f32
#include "_ssim_rows.h"
#undef REAL
#undef SUFFIX

#define REAL double
#define SUFFIX f64
#include "_ssim_rows.h"
#undef REAL
#undef SUFFIX

static int input_type(const Py_buffer *v)
{
    const char *f = v->format ? v->format : "B";
    if (*f == '=' || *f == '<' || *f == '@')
        f++;
    if (f[1] != '\0')
        return -1;
    switch (*f) {
    case 'B': return v->itemsize == 1 ? IN_U8 : -1;
    case 'H': return v->itemsize == 2 ? IN_U16 : -1;
    case 'f': return v->itemsize == 4 ? IN_F32 : -1;
    case 'd': return v->itemsize == 8 ? IN_F64 : -1;
    default: return -1;
    }
}

PyDoc_STRVAR(band_doc,
"band(x, y, out, taps, scratch, y0, y1, cc, c1, c2, half, norm, mode, reflect101)\n"
"--\n\n"
"Rows y0..y1 of the local SSIM map of x and y (2-D, one shape, uint8,\n"
"uint16, float32 or float64, any strides) into out[0 : y1 - y0] (2-D,\n"
"float32 or float64 with rows of contiguous values; taps, 1-D, the same\n"
"type, 2r + 1 symmetric values, set the working type; scratch, a\n"
"writable buffer of at least 4 (2r + 2) s + 4 (w + 2r) values of that\n"
"type, s = 16 ceil(w / 16) + 16).\n"
"cc is subtracted\n"
"from x + y; c1, c2 the SSIM constants; half and norm scale the\n"
"variances (cov_norm / 2, cov_norm); mode 0: 1 - SSIM, 1: SSIM,\n"
"2: contrast-structure term. Releases the GIL.");

static PyObject *band(PyObject *self, PyObject *args)
{
    PyObject *xo, *yo, *oo, *ko, *so;
    Py_buffer x = {0}, y = {0}, out = {0}, k = {0}, scratch = {0};
    Py_ssize_t y0, y1;
    double cc, c1, c2, half, norm;
    int mode, reflect101;
    PyObject *result = NULL;
    (void)self;

    if (!PyArg_ParseTuple(args, "OOOOOnndddddip:band", &xo, &yo, &oo, &ko, &so, &y0, &y1, &cc, &c1,
                          &c2, &half, &norm, &mode, &reflect101))
        return NULL;
    if (PyObject_GetBuffer(xo, &x, PyBUF_STRIDED_RO | PyBUF_FORMAT) < 0 ||
        PyObject_GetBuffer(yo, &y, PyBUF_STRIDED_RO | PyBUF_FORMAT) < 0 ||
        PyObject_GetBuffer(oo, &out, PyBUF_STRIDED | PyBUF_FORMAT) < 0 ||
        PyObject_GetBuffer(ko, &k, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0 ||
        PyObject_GetBuffer(so, &scratch, PyBUF_C_CONTIGUOUS | PyBUF_WRITABLE) < 0)
        goto done;
    int type = input_type(&x), otype = input_type(&out), ktype = input_type(&k);
    if (x.ndim != 2 || y.ndim != 2 || out.ndim != 2 || k.ndim != 1 ||
        x.shape[0] != y.shape[0] || x.shape[1] != y.shape[1] || type < 0 ||
        input_type(&y) != type || (otype != IN_F32 && otype != IN_F64) || ktype != otype ||
        out.strides[1] != out.itemsize || out.shape[1] != x.shape[1]) {
        PyErr_SetString(PyExc_ValueError, "band: bad shapes or types");
        goto done;
    }
    Py_ssize_t h = x.shape[0], w = x.shape[1], r = k.shape[0] / 2;
    if (k.shape[0] % 2 == 0 || r > MAX_RADIUS || r >= h || r >= w || y0 < 0 || y1 > h ||
        y0 > y1 || out.shape[0] < y1 - y0 || mode < 0 || mode > MODE_CS ||
        scratch.len < scratch_values(w, r) * out.itemsize) {
        PyErr_SetString(PyExc_ValueError, "band: bad window, rows or mode");
        goto done;
    }
    {
        Job j;
        j.x = (const char *)x.buf;
        j.y = (const char *)y.buf;
        j.xs0 = x.strides[0];
        j.xs1 = x.strides[1];
        j.ys0 = y.strides[0];
        j.ys1 = y.strides[1];
        j.h = h;
        j.w = w;
        j.r = r;
        j.type = type;
        j.reflect101 = reflect101;
        j.mode = mode;
        j.cc = cc;
        j.c1 = c1;
        j.c2 = c2;
        j.half = half;
        j.norm = norm;
        Py_ssize_t stride = out.strides[0] / out.itemsize;
        Py_BEGIN_ALLOW_THREADS
        if (otype == IN_F32)
            band_f32(&j, y0, y1, (const float *)k.buf, (float *)out.buf, stride,
                     (float *)scratch.buf);
        else
            band_f64(&j, y0, y1, (const double *)k.buf, (double *)out.buf, stride,
                     (double *)scratch.buf);
        Py_END_ALLOW_THREADS
        Py_INCREF(Py_None);
        result = Py_None;
    }
done:
    PyBuffer_Release(&x);
    PyBuffer_Release(&y);
    PyBuffer_Release(&out);
    PyBuffer_Release(&k);
    PyBuffer_Release(&scratch);
    return result;
}

static PyMethodDef methods[] = {
    {"band", band, METH_VARARGS, band_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_ssim",
    "Compiled band kernel of spotdiff's SSIM.", -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__ssim(void)
{
    return PyModule_Create(&module);
}
