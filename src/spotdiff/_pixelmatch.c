/*
 * Compiled kernel of spotdiff's pixelmatch-compatible method
 * (spotdiff/metrics/pixel.py documents the algorithm; that module's numpy
 * implementation is the fallback when this extension is not built).
 *
 * One function, scan(), processes a band of rows of two 8-bit images with
 * 1, 3 or 4 channels: for every pixel that differs it computes the colour
 * delta (pixelmatch 7.2.0's float64 YIQ delta, or odiff 4.5's 12-bit fixed
 * point one), writes sqrt(|delta| / 35215) as float32 into a map, and, for
 * pixels above the threshold, runs the anti-aliasing test on both images.
 * The images are only read (a band's test looks at rows of its neighbours),
 * each band writes only its own rows of the outputs, and the GIL is released
 * while it runs, so bands can be processed on several threads at once.
 *
 * Floating-point expressions are written in the reference order and must be
 * compiled without contraction into fused multiply-adds (setup.py passes
 * -ffp-contract=off) so that the threshold test is decided bit for bit.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <math.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#if defined(__GNUC__) || defined(__clang__)
#define ALWAYS_INLINE static inline __attribute__((always_inline))
#elif defined(_MSC_VER)
#define ALWAYS_INLINE static __forceinline
#else
#define ALWAYS_INLINE static inline
#endif

/* RGB -> YIQ rows and the delta's weights (Kotsarenko & Ramos). */
#define YR 0.29889531
#define YG 0.58662247
#define YB 0.11448223
#define IR 0.59597799
#define IG 0.27417610
#define IB 0.32180189
#define QR 0.21147017
#define QG 0.52261711
#define QB 0.31114694
#define WY 0.5053
#define WI 0.299
#define WQ 0.1957
#define MAX_YIQ_DELTA 35215.0

/* Pixels compared at once before looking at single pixels. */
#define BLOCK 64

/* Opaque pixels whose channels all differ by at most LUT_R take their value
 * from a table (the same float, without a division and a square root):
 * codec noise, where every pixel differs a little. */
#define LUT_R 7
#define LUT_S (2 * LUT_R + 1)

#if defined(__GNUC__) && defined(__x86_64__) && defined(__linux__) && !defined(__clang__)
/* Also compiled for AVX2 (picked at load time where the CPU has it); the
 * arithmetic is IEEE either way, so the results are the same. */
#define CLONES __attribute__((target_clones("avx2", "default")))
#else
#define CLONES
#endif

/* Pixels of one row whose flags are computed together. */
#define SEG 32

/* Which pixels have many siblings (3 or more identical neighbours), in
 * each image, for the three rows around the one scanned: the anti-aliasing
 * test asks this of a pixel and of the darkest and brightest of its
 * neighbours, which are the neighbours of the next pixels too. A row's
 * flags are computed SEG pixels at a time when first asked for. */
typedef struct {
    uint8_t *flags[2][3];   /* per image and slot (row % 3): w bytes */
    uint8_t *done[2][3];    /* per image and slot: segments computed */
    Py_ssize_t row[3];      /* the row each slot holds, or -1 */
    Py_ssize_t y;           /* the row scanned: rows y - 1, y, y + 1 are ready */
    int near[3];            /* their slots */
    Py_ssize_t segments;    /* per row */
    uint8_t *memory;
} Siblings;

/* The values of the counted pixels, in raster order (what regions() sums
 * per component without computing them again). */
typedef struct {
    float *v;
    Py_ssize_t n, cap;
    int failed;             /* out of memory */
} Kept;

typedef struct {
    const uint8_t *a, *b;   /* the two images, (h, w, c) uint8, C order */
    float *values;          /* (h, w) float32 map, written where computed; or NULL */
    uint8_t *aa;            /* (h, w) bool, set at anti-aliased pixels */
    uint8_t *mask;          /* (h, w) bool, set at counted pixels; or NULL */
    int32_t *rows;          /* (h,) counted pixels per row (with mask) */
    Kept *kept;             /* with mask: the counted pixels' values (mutable) */
    Py_ssize_t *differing;  /* rows that differ at all, counted by the scan */
    Py_ssize_t w, h;
    int c;
    int odiff;              /* odiff 4.5's arithmetic and detector */
    int checker;            /* blend translucent pixels on pixelmatch 7's pattern */
    int test_aa;            /* run the anti-aliasing test */
    int has_threshold;      /* nudge values around the threshold */
    int bound;              /* -1: a value at every differing pixel; else only
                               where a channel differs by more (or the alpha) */
    double max_delta;
    float low, high;
    Siblings *siblings;     /* with test_aa: this band's flags (mutable) */
    int use_lut;            /* lut holds the values of small differences */
    float lut[LUT_S * LUT_S * LUT_S];
    uint8_t levels[BLOCK * 4]; /* per byte of a block: the largest difference
                                  that is not a candidate (bound; 0 for alpha) */
} Job;

/* ---- pixels ------------------------------------------------------------ */

typedef struct {
    int r, g, b, a;
} Px;

ALWAYS_INLINE Px load(const uint8_t *img, Py_ssize_t i, int c)
{
    const uint8_t *p = img + i * c;
    Px out;
    if (c == 4) { /* one load (the bytes in memory order on either endianness) */
        uint32_t v;
        memcpy(&v, p, 4);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
        v = __builtin_bswap32(v);
#endif
        out.r = (int)(v & 0xff);
        out.g = (int)((v >> 8) & 0xff);
        out.b = (int)((v >> 16) & 0xff);
        out.a = (int)(v >> 24);
    } else if (c == 1) {
        out.r = out.g = out.b = p[0];
        out.a = 255;
    } else {
        out.r = p[0];
        out.g = p[1];
        out.b = p[2];
        out.a = c == 4 ? p[3] : 255;
    }
    return out;
}

ALWAYS_INLINE int same(const uint8_t *img1, Py_ssize_t i, const uint8_t *img2, Py_ssize_t j,
                       int c)
{
    const uint8_t *p = img1 + i * c, *q = img2 + j * c;
    if (c == 4) {
        uint32_t x, y;
        memcpy(&x, p, 4);
        memcpy(&y, q, 4);
        return x == y;
    }
    if (c == 3)
        return p[0] == q[0] && p[1] == q[1] && p[2] == q[2];
    return p[0] == q[0];
}

/* ---- pixelmatch 7.2.0 arithmetic ---------------------------------------- */

/* Per-channel differences of two pixels blended on the background of the
 * pixel at flat index k_index: pixelmatch 7's checkerboard (48 or 207 per
 * channel, keyed on the byte offset 4 * k_index) or white. */
ALWAYS_INLINE void differences(Px p, Px q, Py_ssize_t k_index, int checker, double *dr,
                               double *dg, double *db)
{
    if (p.a < 255 || q.a < 255) {
        double rb = 255.0, gb = 255.0, bb = 255.0;
        if (checker) {
            double k = 4.0 * (double)k_index;
            rb = 48.0 + 159.0 * (double)((int64_t)k % 2);
            gb = 48.0 + 159.0 * (double)((int64_t)(k / 1.618033988749895) % 2);
            bb = 48.0 + 159.0 * (double)((int64_t)(k / 2.618033988749895) % 2);
        }
        double a1 = p.a, a2 = q.a, da = a1 - a2;
        *dr = ((double)p.r * a1 - (double)q.r * a2 - rb * da) / 255.0;
        *dg = ((double)p.g * a1 - (double)q.g * a2 - gb * da) / 255.0;
        *db = ((double)p.b * a1 - (double)q.b * a2 - bb * da) / 255.0;
    } else {
        *dr = (double)(p.r - q.r);
        *dg = (double)(p.g - q.g);
        *db = (double)(p.b - q.b);
    }
}

/* |delta| of two pixels (the sign only says which is darker). */
ALWAYS_INLINE double pm_delta(Px p, Px q, Py_ssize_t i, int checker)
{
    double dr, dg, db;
    differences(p, q, i, checker, &dr, &dg, &db);
    double y = dr * YR + dg * YG + db * YB;
    double iq = dr * IR - dg * IG - db * IB;
    double qq = dr * QR - dg * QG + db * QB;
    return WY * y * y + WI * iq * iq + WQ * qq * qq;
}

/* ---- odiff 4.5 arithmetic ----------------------------------------------- */

#define FIX 4096
#define OD_YR ((int64_t)(YR * FIX))
#define OD_YG ((int64_t)(YG * FIX))
#define OD_YB ((int64_t)(YB * FIX))
#define OD_IR ((int64_t)(IR * FIX))
#define OD_IG ((int64_t)(-IG * FIX))
#define OD_IB ((int64_t)(-IB * FIX))
#define OD_QR ((int64_t)(QR * FIX))
#define OD_QG ((int64_t)(-QG * FIX))
#define OD_QB ((int64_t)(QB * FIX))
#define OD_WY ((int64_t)(WY * FIX))
#define OD_WI ((int64_t)(WI * FIX))
#define OD_WQ ((int64_t)(WQ * FIX))

/* Arithmetic shift right (floor division by 2**n) whatever the compiler. */
ALWAYS_INLINE int64_t floor_shift(int64_t v, int n)
{
    return v >= 0 ? v >> n : -((-v + ((int64_t)1 << n) - 1) >> n);
}

/* A channel blended on white in 12-bit fixed point. */
ALWAYS_INLINE int64_t od_blend(int ch, int a)
{
    const int64_t white = 255 * FIX;
    if (a == 0)
        return white;
    if (a == 255)
        return (int64_t)ch * FIX;
    int64_t num = (int64_t)(ch - 255) * a * FIX; /* <= 0 */
    return white - ((-num) / 255);
}

ALWAYS_INLINE void od_yiq(Px p, int64_t *y, int64_t *i, int64_t *q)
{
    int64_t r = od_blend(p.r, p.a), g = od_blend(p.g, p.a), b = od_blend(p.b, p.a);
    *y = floor_shift(r * OD_YR + g * OD_YG + b * OD_YB, 12);
    *i = floor_shift(r * OD_IR + g * OD_IG + b * OD_IB, 12);
    *q = floor_shift(r * OD_QR + g * OD_QG + b * OD_QB, 12);
}

ALWAYS_INLINE double od_delta(Px p, Px q)
{
    int64_t y1, i1, q1, y2, i2, q2;
    od_yiq(p, &y1, &i1, &q1);
    od_yiq(q, &y2, &i2, &q2);
    int64_t dy = y1 - y2, di = i1 - i2, dq = q1 - q2;
    int64_t fixed = (dy * dy * OD_WY + di * di * OD_WI + dq * dq * OD_WQ) >> 24;
    return (double)fixed / FIX;
}

/* odiff's float luma of a pixel blended on white. */
ALWAYS_INLINE double od_luma(Px p)
{
    double r, g, b;
    if (p.a == 0) {
        r = g = b = 255.0;
    } else if (p.a == 255) {
        r = p.r;
        g = p.g;
        b = p.b;
    } else {
        double t = p.a / 255.0;
        r = 255.0 + ((double)p.r - 255.0) * t;
        g = 255.0 + ((double)p.g - 255.0) * t;
        b = 255.0 + ((double)p.b - 255.0) * t;
    }
    return r * YR + g * YG + b * YB;
}

/* ---- anti-aliasing detector (Vysniauskas 2009) --------------------------- */

/* 3 or more neighbours identical to pixel (x1, y1) (the image border
 * counts as one). */
ALWAYS_INLINE int many_siblings(const uint8_t *img, Py_ssize_t x1, Py_ssize_t y1, const Job *j,
                                int c)
{
    Py_ssize_t w = j->w, n = y1 * w + x1;
    if (x1 > 0 && y1 > 0 && x1 < w - 1 && y1 < j->h - 1) { /* interior: no bounds */
        int zeros = same(img, n - w - 1, img, n, c) + same(img, n - w, img, n, c) +
                    same(img, n - w + 1, img, n, c) + same(img, n - 1, img, n, c) +
                    same(img, n + 1, img, n, c) + same(img, n + w - 1, img, n, c) +
                    same(img, n + w, img, n, c) + same(img, n + w + 1, img, n, c);
        return zeros > 2;
    }
    Py_ssize_t x0 = x1 > 0 ? x1 - 1 : 0, x2 = x1 < w - 1 ? x1 + 1 : w - 1;
    Py_ssize_t y0 = y1 > 0 ? y1 - 1 : 0, y2 = y1 < j->h - 1 ? y1 + 1 : j->h - 1;
    int zeros = (x1 == x0 || x1 == x2 || y1 == y0 || y1 == y2) ? 1 : 0;
    for (Py_ssize_t y = y0; y <= y2; y++) {
        for (Py_ssize_t x = x0; x <= x2; x++) {
            Py_ssize_t k = y * w + x;
            if (k != n && same(img, k, img, n, c) && ++zeros > 2)
                return 1;
        }
    }
    return 0;
}

/* Flags of pixels x0..x1 - 1 of row y: many_siblings(), in one loop
 * without branches inside the image. */
ALWAYS_INLINE void segment_c(const Job *j, const uint8_t *img, Py_ssize_t y, Py_ssize_t x0,
                             Py_ssize_t x1, uint8_t *out, int c)
{
    Py_ssize_t w = j->w;
    if (y == 0 || y == j->h - 1) {
        for (Py_ssize_t x = x0; x < x1; x++)
            out[x] = (uint8_t)many_siblings(img, x, y, j, c);
        return;
    }
    if (x0 == 0) {
        out[0] = (uint8_t)many_siblings(img, 0, y, j, c);
        x0 = 1;
    }
    if (x1 == w) {
        out[w - 1] = (uint8_t)many_siblings(img, w - 1, y, j, c);
        x1 = w - 1;
    }
    for (Py_ssize_t x = x0; x < x1; x++) {
        Py_ssize_t n = y * w + x;
        int zeros = same(img, n - w - 1, img, n, c) + same(img, n - w, img, n, c) +
                    same(img, n - w + 1, img, n, c) + same(img, n - 1, img, n, c) +
                    same(img, n + 1, img, n, c) + same(img, n + w - 1, img, n, c) +
                    same(img, n + w, img, n, c) + same(img, n + w + 1, img, n, c);
        out[x] = zeros > 2;
    }
}

CLONES static void sibling_segment(const Job *j, const uint8_t *img, Py_ssize_t y,
                                   Py_ssize_t x0, Py_ssize_t x1, uint8_t *out)
{
    if (j->c == 4)
        segment_c(j, img, y, x0, x1, out, 4);
    else if (j->c == 3)
        segment_c(j, img, y, x0, x1, out, 3);
    else
        segment_c(j, img, y, x0, x1, out, 1);
}

/* many_siblings() of pixel (x, y) of image `which` (0: a, 1: b), from the
 * band's flags; y within one row of the row scanned. */
ALWAYS_INLINE int siblings_at(const Job *j, int which, Py_ssize_t x, Py_ssize_t y, int c)
{
    Siblings *s = j->siblings;
    int slot = s->near[y - s->y + 1];
    Py_ssize_t g = x / SEG;
    if (!s->done[which][slot][g]) {
        s->done[which][slot][g] = 1;
        Py_ssize_t x0 = g * SEG, x1 = x0 + SEG < j->w ? x0 + SEG : j->w;
        sibling_segment(j, which ? j->b : j->a, y, x0, x1, s->flags[which][slot]);
    }
    return s->flags[which][slot][x];
}

/* Make rows y - 1, y and y + 1 ready for siblings_at() (rows only move
 * down: a slot whose row changes is emptied). */
static void siblings_row(Siblings *s, Py_ssize_t y)
{
    s->y = y;
    for (int k = 0; k < 3; k++) {
        Py_ssize_t r = y - 1 + k;
        int slot = (int)((r + 3) % 3);
        s->near[k] = slot;
        if (s->row[slot] != r) {
            s->row[slot] = r;
            memset(s->done[0][slot], 0, (size_t)s->segments);
            memset(s->done[1][slot], 0, (size_t)s->segments);
        }
    }
}

/* The flags for a band of an image w pixels wide (NULL when out of memory). */
static Siblings *siblings_new(Py_ssize_t w)
{
    Siblings *s = malloc(sizeof(Siblings));
    Py_ssize_t segments = (w + SEG - 1) / SEG;
    uint8_t *m = malloc((size_t)(6 * (w + segments)));
    if (!s || !m) {
        free(s);
        free(m);
        return NULL;
    }
    s->memory = m;
    s->segments = segments;
    for (int i = 0; i < 2; i++) {
        for (int k = 0; k < 3; k++) {
            s->flags[i][k] = m;
            m += w;
            s->done[i][k] = m;
            m += segments;
        }
    }
    s->row[0] = s->row[1] = s->row[2] = -1;
    return s;
}

static void siblings_free(Siblings *s)
{
    if (s) {
        free(s->memory);
        free(s);
    }
}

/* The brightness difference of the centre pixel p and its neighbour q, on
 * the centre's background (0 for identical pixels). */
ALWAYS_INLINE double brightness(const Job *j, Px p, Px q, Py_ssize_t centre)
{
    double dr, dg, db;
    differences(p, q, centre, j->checker, &dr, &dg, &db);
    return dr * YR + dg * YG + db * YB;
}

/* pixelmatch: at most two neighbours as bright as the pixel, a darker and a
 * brighter one, and the darkest or the brightest (the first met, visiting
 * x outer, y inner) in a flat area of both images. */
ALWAYS_INLINE int antialiased_pm(int which, Py_ssize_t x1, Py_ssize_t y1, const Job *j, int c)
{
    const uint8_t *img = which ? j->b : j->a;
    Py_ssize_t w = j->w, centre = y1 * w + x1;
    Py_ssize_t x_lo = 0, y_lo = 0, x_hi = 0, y_hi = 0;
    Px p = load(img, centre, c);
    if (x1 > 0 && y1 > 0 && x1 < w - 1 && y1 < j->h - 1) {
        /* Interior: all eight neighbours, compared without branches. */
        static const int dx[8] = {-1, -1, -1, 0, 0, 1, 1, 1};
        static const int dy[8] = {-1, 0, 1, -1, 1, -1, 0, 1};
        const Py_ssize_t off[8] = {-w - 1, -1, w - 1, -w, w, -w + 1, 1, w + 1};
        double d[8];
        if (siblings_at(j, which, x1, y1, c)) /* identical neighbours are equally bright */
            return 0;
        int opaque = p.a == 255;
        for (int k = 0; k < 8; k++) {
            Px q = load(img, centre + off[k], c);
            opaque &= q.a == 255;
            double dr = (double)(p.r - q.r), dg = (double)(p.g - q.g), db = (double)(p.b - q.b);
            d[k] = dr * YR + dg * YG + db * YB;
        }
        if (!opaque) {
            for (int k = 0; k < 8; k++)
                d[k] = brightness(j, p, load(img, centre + off[k], c), centre);
        }
        int zeros = 0, k_lo = -1, k_hi = -1;
        double lo = 0.0, hi = 0.0;
        for (int k = 0; k < 8; k++) {
            double v = d[k];
            zeros += v == 0.0;
            int darker = v < lo, brighter = v > hi;
            lo = darker ? v : lo;
            k_lo = darker ? k : k_lo;
            hi = brighter ? v : hi;
            k_hi = brighter ? k : k_hi;
        }
        if (zeros > 2 || k_lo < 0 || k_hi < 0)
            return 0;
        x_lo = x1 + dx[k_lo], y_lo = y1 + dy[k_lo];
        x_hi = x1 + dx[k_hi], y_hi = y1 + dy[k_hi];
    } else {
        Py_ssize_t x0 = x1 > 0 ? x1 - 1 : 0, x2 = x1 < w - 1 ? x1 + 1 : w - 1;
        Py_ssize_t y0 = y1 > 0 ? y1 - 1 : 0, y2 = y1 < j->h - 1 ? y1 + 1 : j->h - 1;
        int zeros = 1; /* on the border */
        double lo = 0.0, hi = 0.0;
        for (Py_ssize_t x = x0; x <= x2; x++) {
            for (Py_ssize_t y = y0; y <= y2; y++) {
                Py_ssize_t k = y * w + x;
                if (k == centre)
                    continue;
                double d = brightness(j, p, load(img, k, c), centre);
                if (d == 0.0) {
                    if (++zeros > 2)
                        return 0;
                } else if (d < lo) {
                    lo = d;
                    x_lo = x, y_lo = y;
                } else if (d > hi) {
                    hi = d;
                    x_hi = x, y_hi = y;
                }
            }
        }
        if (lo == 0.0 || hi == 0.0)
            return 0;
    }
    return (siblings_at(j, 0, x_lo, y_lo, c) && siblings_at(j, 1, x_lo, y_lo, c)) ||
           (siblings_at(j, 0, x_hi, y_hi, c) && siblings_at(j, 1, x_hi, y_hi, c));
}

/* odiff: identical (not equally bright) neighbours are the equal ones,
 * neighbours are visited row by row, and the darkest or the brightest must
 * be flat in one image and the darkest or the brightest in the other. */
ALWAYS_INLINE int antialiased_od(int which, Py_ssize_t x1, Py_ssize_t y1, const Job *j, int c)
{
    const uint8_t *img = which ? j->b : j->a;
    Py_ssize_t w = j->w, centre = y1 * w + x1;
    Py_ssize_t x0 = x1 > 0 ? x1 - 1 : 0, x2 = x1 < w - 1 ? x1 + 1 : w - 1;
    Py_ssize_t y0 = y1 > 0 ? y1 - 1 : 0, y2 = y1 < j->h - 1 ? y1 + 1 : j->h - 1;
    int zeros = (x1 == x0 || x1 == x2 || y1 == y0 || y1 == y2) ? 1 : 0;
    double lo = 0.0, hi = 0.0;
    Py_ssize_t x_lo = 0, y_lo = 0, x_hi = 0, y_hi = 0;
    double luma = od_luma(load(img, centre, c));
    for (Py_ssize_t y = y0; y <= y2; y++) {
        for (Py_ssize_t x = x0; x <= x2; x++) {
            Py_ssize_t k = y * w + x;
            if (k == centre)
                continue;
            if (same(img, centre, img, k, c)) {
                if (++zeros > 2)
                    return 0;
                continue;
            }
            double d = luma - od_luma(load(img, k, c));
            if (d < lo) {
                lo = d;
                x_lo = x, y_lo = y;
            } else if (d > hi) {
                hi = d;
                x_hi = x, y_hi = y;
            }
        }
    }
    if (lo == 0.0 || hi == 0.0)
        return 0;
    return (siblings_at(j, 0, x_lo, y_lo, c) || siblings_at(j, 0, x_hi, y_hi, c)) &&
           (siblings_at(j, 1, x_lo, y_lo, c) || siblings_at(j, 1, x_hi, y_hi, c));
}

/* ---- the band scan ------------------------------------------------------ */

/* The value stored for a delta: sqrt(delta / 35215) in float32, raised to
 * at least `high` above the threshold and lowered to at most `low` below it
 * so that comparing the float32 value with the threshold decides alike. */
ALWAYS_INLINE float value_of(const Job *j, double d)
{
    float v = (float)sqrt(d / MAX_YIQ_DELTA);
    if (j->has_threshold) {
        float lifted = v < j->high ? j->high : v;
        float lowered = v > j->low ? j->low : v;
        v = d > j->max_delta ? lifted : lowered;
    }
    return v;
}

/* The exact delta of one pixel pair, any alpha. */
ALWAYS_INLINE double delta_at(const Job *j, const uint8_t *pa, const uint8_t *pb, int k,
                              Py_ssize_t index, int c)
{
    Px p = load(pa, k, c), q = load(pb, k, c);
    return j->odiff ? od_delta(p, q) : pm_delta(p, q, index, j->checker);
}

/* The anti-aliasing test and the count for a pixel above the threshold. */
ALWAYS_INLINE void count_above(const Job *j, Py_ssize_t x, Py_ssize_t y, int c, float v,
                               Py_ssize_t *count)
{
    if (j->test_aa) {
        int aa = j->odiff
            ? (antialiased_od(0, x, y, j, c) || antialiased_od(1, x, y, j, c))
            : (antialiased_pm(0, x, y, j, c) || antialiased_pm(1, x, y, j, c));
        if (aa) {
            j->aa[y * j->w + x] = 1;
            return;
        }
    }
    (*count)++;
    if (j->mask) {
        j->mask[y * j->w + x] = 1;
        j->rows[y]++;
        Kept *kept = j->kept;
        if (kept->n == kept->cap && !kept->failed) {
            Py_ssize_t cap = kept->cap ? 2 * kept->cap : 4096;
            float *grown = realloc(kept->v, sizeof(float) * (size_t)cap);
            if (grown) {
                kept->v = grown;
                kept->cap = cap;
            } else {
                kept->failed = 1;
            }
        }
        if (!kept->failed)
            kept->v[kept->n++] = v;
    }
}

/* Candidates only (bound >= 0): the pixels where a colour channel differs
 * by more than the bound or the alpha differs, a superset of those above
 * the threshold; found with byte-wise integer work that vectorises. */
ALWAYS_INLINE double block_candidates(const Job *j, const uint8_t *pa, const uint8_t *pb,
                                      Py_ssize_t x0, Py_ssize_t y, int n, int c,
                                      Py_ssize_t *count)
{
    uint8_t over[BLOCK * 4 + 8];
    int idx[BLOCK];
    int nb = n * c, m = 0, last = -1;
    for (int i = 0; i < nb; i++) {
        uint8_t u = pa[i], v = pb[i];
        uint8_t diff = u > v ? (uint8_t)(u - v) : (uint8_t)(v - u);
        over[i] = diff > j->levels[i];
    }
    memset(over + nb, 0, 8);
    for (int i = 0; i < nb; i += 8) { /* skip 8 bytes at a time */
        uint64_t word;
        memcpy(&word, over + i, 8);
        if (!word)
            continue;
        int end = (i + 7) / c < n - 1 ? (i + 7) / c : n - 1;
        for (int k = i / c > last ? i / c : last + 1; k <= end; k++) {
            int any = 0;
            for (int ch = 0; ch < c; ch++)
                any |= over[k * c + ch];
            idx[m] = k;
            m += any;
            last = k;
        }
    }
    double part = 0.0;
    Py_ssize_t row = y * j->w + x0;
    for (int t = 0; t < m; t++) {
        int k = idx[t];
        double d = delta_at(j, pa, pb, k, row + k, c);
        float v = value_of(j, d);
        if (j->values)
            j->values[row + k] = v;
        part += v;
        if (d > j->max_delta)
            count_above(j, x0 + k, y, c, v, count);
    }
    return part;
}

/* The index of the lowest set bit of a nonzero word. */
ALWAYS_INLINE int lowest_bit(uint64_t v)
{
#if defined(__GNUC__) || defined(__clang__)
    return __builtin_ctzll(v);
#else
    int k = 0;
    while (!(v & 1)) {
        v >>= 1;
        k++;
    }
    return k;
#endif
}

/* A block where few pixels differ (bound < 0): ``ne`` (n bytes, then 8
 * zero bytes) is 1 at the differing pixels, whose deltas and values are
 * computed one by one; the others are 0 in the map (zeroed by the caller)
 * and add nothing to the sum. Each value is added to the lane block_full
 * adds it to, in the same order, so that the sum is the same double. */
ALWAYS_INLINE double block_sparse(const Job *j, const uint8_t *pa, const uint8_t *pb,
                                  const uint8_t *ne, Py_ssize_t x0, Py_ssize_t y, int n, int c,
                                  Py_ssize_t *count)
{
    double s[4] = {0.0, 0.0, 0.0, 0.0};
    int lanes = n & ~3; /* past this, block_full adds to lane 0 */
    Py_ssize_t row = y * j->w + x0;
    for (int i = 0; i < n; i += 8) {
        uint64_t word;
        memcpy(&word, ne + i, 8);
        while (word) { /* one set bit per differing pixel's byte */
            int k = i + (lowest_bit(word) >> 3);
            word &= word - 1;
            if (j->use_lut) { /* small differences of opaque pixels: never above */
                Px p = load(pa, k, c), q = load(pb, k, c);
                unsigned ir = (unsigned)(p.r - q.r + LUT_R), ig = (unsigned)(p.g - q.g + LUT_R),
                         ib = (unsigned)(p.b - q.b + LUT_R);
                if ((p.a & q.a) == 255 && ir < LUT_S && ig < LUT_S && ib < LUT_S) {
                    float v = j->lut[(ir * LUT_S + ig) * LUT_S + ib];
                    if (j->values)
                        j->values[row + k] = v;
                    s[k < lanes ? (k & 3) : 0] += v;
                    continue;
                }
            }
            double d = delta_at(j, pa, pb, k, row + k, c);
            float v = value_of(j, d);
            if (j->values)
                j->values[row + k] = v;
            s[k < lanes ? (k & 3) : 0] += v;
            if (d > j->max_delta)
                count_above(j, x0 + k, y, c, v, count);
        }
    }
    return (s[0] + s[1]) + (s[2] + s[3]);
}

/* Every pixel of the block (bound < 0): deltas first (identical pairs give
 * exactly 0), in a loop without branches for opaque pixels, then values;
 * or, where at most a quarter of the pixels differ, those only. */
ALWAYS_INLINE double block_full(const Job *j, const uint8_t *pa, const uint8_t *pb,
                                Py_ssize_t x0, Py_ssize_t y, int n, int c, Py_ssize_t *count)
{
    uint8_t ne[BLOCK + 8];
    int differing = 0;
    for (int k = 0; k < n; k++) {
        if (c == 4) {
            uint32_t u, v;
            memcpy(&u, pa + 4 * k, 4);
            memcpy(&v, pb + 4 * k, 4);
            ne[k] = u != v;
        } else if (c == 3) {
            ne[k] = (pa[3 * k] != pb[3 * k]) | (pa[3 * k + 1] != pb[3 * k + 1]) |
                    (pa[3 * k + 2] != pb[3 * k + 2]);
        } else {
            ne[k] = pa[k] != pb[k];
        }
        differing += ne[k];
    }
    if (differing * 4 <= n) {
        memset(ne + n, 0, 8);
        return block_sparse(j, pa, pb, ne, x0, y, n, c, count);
    }
    double delta[BLOCK];
    int32_t small[BLOCK]; /* index into the table, or -1 */
    int misses = n;
    Py_ssize_t row = y * j->w + x0;
    if (j->odiff) {
        for (int k = 0; k < n; k++)
            delta[k] = od_delta(load(pa, k, c), load(pb, k, c));
    } else {
        int translucent = 0;
        for (int k = 0; k < n; k++) {
            int r1, g1, b1, r2, g2, b2;
            if (c == 4) {
                uint32_t u, v;
                memcpy(&u, pa + 4 * k, 4);
                memcpy(&v, pb + 4 * k, 4);
                r1 = (int)(u & 0xff), g1 = (int)((u >> 8) & 0xff), b1 = (int)((u >> 16) & 0xff);
                r2 = (int)(v & 0xff), g2 = (int)((v >> 8) & 0xff), b2 = (int)((v >> 16) & 0xff);
                translucent |= (u & v) < 0xff000000u;
            } else {
                Px p = load(pa, k, c), q = load(pb, k, c);
                r1 = p.r, g1 = p.g, b1 = p.b, r2 = q.r, g2 = q.g, b2 = q.b;
            }
            double dr = (double)(r1 - r2), dg = (double)(g1 - g2), db = (double)(b1 - b2);
            double yy = dr * YR + dg * YG + db * YB;
            double ii = dr * IR - dg * IG - db * IB;
            double qq = dr * QR - dg * QG + db * QB;
            delta[k] = WY * yy * yy + WI * ii * ii + WQ * qq * qq;
            unsigned ir = (unsigned)(r1 - r2 + LUT_R), ig = (unsigned)(g1 - g2 + LUT_R),
                     ib = (unsigned)(b1 - b2 + LUT_R);
            int near = ir < LUT_S && ig < LUT_S && ib < LUT_S;
            small[k] = near ? (int32_t)((ir * LUT_S + ig) * LUT_S + ib) : -1;
        }
        if (translucent) { /* blend where either pixel is translucent */
            for (int k = 0; k < n; k++) {
                if (pa[4 * k + 3] < 255 || pb[4 * k + 3] < 255) {
                    delta[k] = delta_at(j, pa, pb, k, row + k, c);
                    small[k] = -1;
                }
            }
        }
        if (j->use_lut) {
            misses = 0;
            for (int k = 0; k < n; k++)
                misses += small[k] < 0;
        }
    }
    float local[BLOCK]; /* without a map: the values for the sum only */
    float *values = j->values ? j->values + row : local;
    if (misses * 4 > n) { /* mostly large differences: computed, vectorised */
        for (int k = 0; k < n; k++)
            values[k] = value_of(j, delta[k]);
    } else {
        const float *restrict lut = j->lut;
        float *restrict out = values;
        for (int k = 0; k < n; k++) /* a vector gather */
            out[k] = lut[small[k] < 0 ? 0 : small[k]];
        for (int k = 0; misses > 0 && k < n; k++) {
            if (small[k] < 0) {
                values[k] = value_of(j, delta[k]);
                misses--;
            }
        }
    }
    double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
    int k = 0;
    for (; k + 4 <= n; k += 4) {
        s0 += values[k];
        s1 += values[k + 1];
        s2 += values[k + 2];
        s3 += values[k + 3];
    }
    for (; k < n; k++)
        s0 += values[k];
    /* most blocks have nothing above: a maximum in four independent lanes
     * (vectorised) rather than a branch per pixel */
    double t0 = 0.0, t1 = 0.0, t2 = 0.0, t3 = 0.0;
    for (k = 0; k + 4 <= n; k += 4) {
        t0 = delta[k] > t0 ? delta[k] : t0;
        t1 = delta[k + 1] > t1 ? delta[k + 1] : t1;
        t2 = delta[k + 2] > t2 ? delta[k + 2] : t2;
        t3 = delta[k + 3] > t3 ? delta[k + 3] : t3;
    }
    for (; k < n; k++)
        t0 = delta[k] > t0 ? delta[k] : t0;
    t0 = t1 > t0 ? t1 : t0;
    t2 = t3 > t2 ? t3 : t2;
    if ((t2 > t0 ? t2 : t0) > j->max_delta) {
        for (k = 0; k < n; k++) {
            if (delta[k] > j->max_delta)
                count_above(j, x0 + k, y, c, values[k], count);
        }
    }
    return (s0 + s1) + (s2 + s3);
}

/* The values of opaque pixels whose channels differ by at most LUT_R, with
 * block_full's own arithmetic; used only when none of them is above the
 * threshold (they then never need the anti-aliasing test). */
static void fill_table(Job *j)
{
    j->use_lut = 0;
    if (j->odiff || j->bound >= 0)
        return;
    for (int r = -LUT_R; r <= LUT_R; r++) {
        for (int g = -LUT_R; g <= LUT_R; g++) {
            for (int b = -LUT_R; b <= LUT_R; b++) {
                double dr = (double)r, dg = (double)g, db = (double)b;
                double yy = dr * YR + dg * YG + db * YB;
                double ii = dr * IR - dg * IG - db * IB;
                double qq = dr * QR - dg * QG + db * QB;
                double d = WY * yy * yy + WI * ii * ii + WQ * qq * qq;
                if (d > j->max_delta)
                    return;
                j->lut[((r + LUT_R) * LUT_S + (g + LUT_R)) * LUT_S + (b + LUT_R)] =
                    value_of(j, d);
            }
        }
    }
    j->use_lut = 1;
}

/* Rows y0..y1; equal rows and equal blocks of BLOCK pixels are skipped.
 * With a mask, each row of the outputs is cleared first (only the row's own
 * pixels are set while it is scanned). */
ALWAYS_INLINE void scan_rows(const Job *j, Py_ssize_t y0, Py_ssize_t y1, int c,
                             Py_ssize_t *count, double *sum)
{
    Py_ssize_t w = j->w, row = w * c;
    for (Py_ssize_t y = y0; y < y1; y++) {
        const uint8_t *ra = j->a + y * row, *rb = j->b + y * row;
        if (j->mask) {
            memset(j->aa + y * w, 0, (size_t)w);
            memset(j->mask + y * w, 0, (size_t)w);
            j->rows[y] = 0;
        }
        if (memcmp(ra, rb, (size_t)row) == 0)
            continue;
        (*j->differing)++;
        if (j->siblings)
            siblings_row(j->siblings, y);
        for (Py_ssize_t x0 = 0; x0 < w; x0 += BLOCK) {
            int n = (int)(w - x0 < BLOCK ? w - x0 : BLOCK);
            const uint8_t *pa = ra + x0 * c, *pb = rb + x0 * c;
            if (memcmp(pa, pb, (size_t)(n * c)) == 0)
                continue;
            *sum += j->bound >= 0 ? block_candidates(j, pa, pb, x0, y, n, c, count)
                                  : block_full(j, pa, pb, x0, y, n, c, count);
        }
    }
}


CLONES static void scan_c1(const Job *j, Py_ssize_t y0, Py_ssize_t y1, Py_ssize_t *n,
                           double *s)
{
    scan_rows(j, y0, y1, 1, n, s);
}

CLONES static void scan_c3(const Job *j, Py_ssize_t y0, Py_ssize_t y1, Py_ssize_t *n,
                           double *s)
{
    scan_rows(j, y0, y1, 3, n, s);
}

CLONES static void scan_c4(const Job *j, Py_ssize_t y0, Py_ssize_t y1, Py_ssize_t *n,
                           double *s)
{
    scan_rows(j, y0, y1, 4, n, s);
}

/* ---- Python binding ----------------------------------------------------- */

PyDoc_STRVAR(scan_doc,
"scan(before, after, values, aa, width, height, channels, y0, y1, odiff, checkerboard,\n"
"     test_aa, has_threshold, max_delta, low, high, bound[, mask, rows])\n"
"     -> (count, value_sum, differing_rows, kept)\n"
"\n"
"Process rows y0..y1 of two C-contiguous uint8 images of (height, width,\n"
"channels). Writes float32 sqrt(|delta| / 35215) into ``values`` (height *\n"
"width float32, zero-initialised by the caller; None: no map, the sum\n"
"only) at differing pixels (with bound >= 0: only where a colour channel\n"
"differs by more than bound or the alpha differs, or the delta exceeds\n"
"max_delta); with has_threshold the value is raised to at least ``high``\n"
"above max_delta and lowered to at most ``low`` otherwise. Sets ``aa``\n"
"(height * width bytes, zeroed) at pixels above max_delta that are\n"
"anti-aliased in either image when test_aa. With ``mask`` (height * width\n"
"bytes) and ``rows`` (height int32), sets ``mask`` at the counted pixels\n"
"and adds them up per row; rows y0..y1 of ``aa``, ``mask`` and ``rows``\n"
"need not be zeroed then (the scan clears them). Returns the number of pixels\n"
"above max_delta and not anti-aliased, the sum of the values written, the\n"
"number of rows where the images differ at all and, with ``mask``, the\n"
"values of the counted pixels in raster order (bytes of float32; else None).\n"
"Releases the GIL.");

/* A writable buffer of exactly `size` bytes, or none for None. */
static int optional_buffer(PyObject *obj, Py_buffer *view, Py_ssize_t size, const char *what)
{
    if (obj == NULL || obj == Py_None)
        return 0;
    if (PyObject_GetBuffer(obj, view, PyBUF_WRITABLE | PyBUF_C_CONTIGUOUS) < 0)
        return -1;
    if (view->len != size) {
        PyErr_Format(PyExc_ValueError, "scan: %s does not match the image size", what);
        PyBuffer_Release(view);
        view->obj = NULL;
        return -1;
    }
    return 0;
}

static PyObject *scan(PyObject *self, PyObject *args)
{
    Py_buffer a = {0}, b = {0}, values = {0}, aa = {0}, mask = {0}, rows = {0};
    PyObject *values_obj, *mask_obj = Py_None, *rows_obj = Py_None;
    Py_ssize_t w, h, y0, y1;
    int c, odiff, checker, test_aa, has_threshold, bound;
    double max_delta;
    float low, high;
    PyObject *result = NULL;
    (void)self;

    if (!PyArg_ParseTuple(args, "y*y*Ow*nninnppppdffi|OO:scan", &a, &b, &values_obj, &aa, &w,
                          &h, &c, &y0, &y1, &odiff, &checker, &test_aa, &has_threshold,
                          &max_delta, &low, &high, &bound, &mask_obj, &rows_obj))
        return NULL;
    if (w <= 0 || h <= 0 || (c != 1 && c != 3 && c != 4) || y0 < 0 || y1 > h || y0 > y1) {
        PyErr_SetString(PyExc_ValueError, "scan: bad size, channels or rows");
        goto done;
    }
    if (a.len != w * h * c || b.len != a.len || aa.len != w * h) {
        PyErr_SetString(PyExc_ValueError, "scan: buffer sizes do not match the image size");
        goto done;
    }
    if (optional_buffer(values_obj, &values, w * h * (Py_ssize_t)sizeof(float), "values") < 0 ||
        optional_buffer(mask_obj, &mask, w * h, "mask") < 0 ||
        optional_buffer(rows_obj, &rows, h * (Py_ssize_t)sizeof(int32_t), "rows") < 0)
        goto done;
    if ((mask.obj == NULL) != (rows.obj == NULL)) {
        PyErr_SetString(PyExc_ValueError, "scan: give both mask and rows, or neither");
        goto done;
    }
    {
        Job j;
        j.a = (const uint8_t *)a.buf;
        j.b = (const uint8_t *)b.buf;
        j.values = values.obj ? (float *)values.buf : NULL;
        j.aa = (uint8_t *)aa.buf;
        j.mask = mask.obj ? (uint8_t *)mask.buf : NULL;
        j.rows = rows.obj ? (int32_t *)rows.buf : NULL;
        j.w = w;
        j.h = h;
        j.c = c;
        j.odiff = odiff != 0;
        j.checker = checker;
        j.test_aa = test_aa;
        j.has_threshold = has_threshold;
        j.bound = bound;
        for (int i = 0; i < BLOCK * 4; i++)
            j.levels[i] = (c == 4 && i % 4 == 3) ? 0 : (uint8_t)(bound > 255 ? 255 : bound < 0 ? 0 : bound);
        j.max_delta = max_delta;
        j.low = low;
        j.high = high;
        fill_table(&j);
        j.siblings = NULL;
        if (test_aa && (j.siblings = siblings_new(w)) == NULL) {
            PyErr_NoMemory();
            goto done;
        }
        Kept kept = {NULL, 0, 0, 0};
        j.kept = &kept;
        Py_ssize_t count = 0, differing = 0;
        double sum = 0.0;
        j.differing = &differing;
        Py_BEGIN_ALLOW_THREADS
        if (c == 4)
            scan_c4(&j, y0, y1, &count, &sum);
        else if (c == 3)
            scan_c3(&j, y0, y1, &count, &sum);
        else
            scan_c1(&j, y0, y1, &count, &sum);
        Py_END_ALLOW_THREADS
        siblings_free(j.siblings);
        if (kept.failed) {
            free(kept.v);
            PyErr_NoMemory();
            goto done;
        }
        if (j.mask)
            result = Py_BuildValue("ndny#", count, sum, differing, kept.v ? (const char *)kept.v : "",
                                   (Py_ssize_t)sizeof(float) * kept.n);
        else
            result = Py_BuildValue("ndnO", count, sum, differing, Py_None);
        free(kept.v);
    }
done:
    PyBuffer_Release(&a);
    PyBuffer_Release(&b);
    PyBuffer_Release(&aa);
    if (values.obj)
        PyBuffer_Release(&values);
    if (mask.obj)
        PyBuffer_Release(&mask);
    if (rows.obj)
        PyBuffer_Release(&rows);
    return result;
}

/* A job over the whole of two images, as values_at() and regions() read them. */
static void pair_job(Job *j, const Py_buffer *a, const Py_buffer *b, Py_ssize_t w,
                     Py_ssize_t h, int c, int odiff, int checker, int has_threshold,
                     double max_delta, float low, float high)
{
    memset(j, 0, sizeof(*j));
    j->a = (const uint8_t *)a->buf;
    j->b = (const uint8_t *)b->buf;
    j->w = w;
    j->h = h;
    j->c = c;
    j->odiff = odiff != 0;
    j->checker = checker;
    j->has_threshold = has_threshold;
    j->max_delta = max_delta;
    j->low = low;
    j->high = high;
}

PyDoc_STRVAR(values_at_doc,
"values_at(before, after, index, out, width, height, channels, odiff, checkerboard,\n"
"          has_threshold, max_delta, low, high) -> None\n"
"\n"
"The values scan() writes into its map, at the flat pixel indices\n"
"``index`` (int64) only, into ``out`` (float32, one per index).");

static PyObject *values_at(PyObject *self, PyObject *args)
{
    Py_buffer a = {0}, b = {0}, index = {0}, out = {0};
    Py_ssize_t w, h;
    int c, odiff, checker, has_threshold;
    double max_delta;
    float low, high;
    PyObject *result = NULL;
    (void)self;

    if (!PyArg_ParseTuple(args, "y*y*y*w*nnipppdff:values_at", &a, &b, &index, &out, &w, &h,
                          &c, &odiff, &checker, &has_threshold, &max_delta, &low, &high))
        return NULL;
    Py_ssize_t n = index.len / (Py_ssize_t)sizeof(int64_t);
    if (w <= 0 || h <= 0 || (c != 1 && c != 3 && c != 4) || a.len != w * h * c ||
        b.len != a.len || index.len % (Py_ssize_t)sizeof(int64_t) != 0 ||
        out.len != n * (Py_ssize_t)sizeof(float)) {
        PyErr_SetString(PyExc_ValueError, "values_at: bad sizes");
        goto done;
    }
    {
        Job j;
        pair_job(&j, &a, &b, w, h, c, odiff, checker, has_threshold, max_delta, low, high);
        const int64_t *idx = (const int64_t *)index.buf;
        float *dst = (float *)out.buf;
        int bad = 0;
        Py_BEGIN_ALLOW_THREADS
        for (Py_ssize_t t = 0; t < n; t++) {
            int64_t i = idx[t];
            if (i < 0 || i >= w * h) {
                bad = 1;
                break;
            }
            dst[t] = value_of(&j, delta_at(&j, j.a + i * c, j.b + i * c, 0, (Py_ssize_t)i, c));
        }
        Py_END_ALLOW_THREADS
        if (bad) {
            PyErr_SetString(PyExc_IndexError, "values_at: index out of the image");
            goto done;
        }
        Py_INCREF(Py_None);
        result = Py_None;
    }
done:
    PyBuffer_Release(&a);
    PyBuffer_Release(&b);
    PyBuffer_Release(&index);
    PyBuffer_Release(&out);
    return result;
}

/* ---- regions of a sparse mask ------------------------------------------ */

/* Union-find root with path halving. */
static int32_t root_of(int32_t *parent, int32_t r)
{
    while (parent[r] != r) {
        parent[r] = parent[parent[r]];
        r = parent[r];
    }
    return r;
}

PyDoc_STRVAR(regions_doc,
"regions(before, after, mask, rows, out, width, height, channels, odiff, checkerboard,\n"
"        has_threshold, max_delta, low, high[, kept]) -> n\n"
"\n"
"The 8-connected components of ``mask`` (height * width bytes, nonzero =\n"
"set) found from its runs of set pixels, only on the rows where ``rows``\n"
"(height int32) is nonzero. For each component, in the order their first\n"
"runs are met (raster order), writes into ``out`` (float64, 11 rows of\n"
"``capacity`` = len(out) / 11 >= the number of set pixels): the pixel count,\n"
"x0, y0, x1, y1 (inclusive), the sums of x and of y, the sum of the values\n"
"scan() computes at its pixels (visited in raster order) and their maximum,\n"
"min((y // 2) * width + x) and the flat index of its first pixel. With\n"
"``kept`` (float32, one per set pixel in raster order: what scan() returns)\n"
"the values are read from it rather than computed. Returns the number of\n"
"components. Releases the GIL.");

static PyObject *regions(PyObject *self, PyObject *args)
{
    Py_buffer a = {0}, b = {0}, mask = {0}, rows = {0}, out = {0}, kept = {0};
    Py_ssize_t w, h;
    int c, odiff, checker, has_threshold;
    double max_delta;
    float low, high;
    PyObject *result = NULL;
    (void)self;

    if (!PyArg_ParseTuple(args, "y*y*y*y*w*nnipppdff|y*:regions", &a, &b, &mask, &rows, &out, &w,
                          &h, &c, &odiff, &checker, &has_threshold, &max_delta, &low, &high,
                          &kept))
        return NULL;
    Py_ssize_t cap = out.len / (Py_ssize_t)(11 * sizeof(double));
    if (w <= 0 || h <= 0 || (c != 1 && c != 3 && c != 4) || a.len != w * h * c ||
        b.len != a.len || mask.len != w * h || rows.len != h * (Py_ssize_t)sizeof(int32_t) ||
        out.len % (Py_ssize_t)(11 * sizeof(double)) != 0 ||
        (kept.obj && kept.len % (Py_ssize_t)sizeof(float) != 0)) {
        PyErr_SetString(PyExc_ValueError, "regions: bad sizes");
        goto done;
    }
    {
        Job j;
        pair_job(&j, &a, &b, w, h, c, odiff, checker, has_threshold, max_delta, low, high);
        const uint8_t *m = (const uint8_t *)mask.buf;
        const int32_t *count = (const int32_t *)rows.buf;
        double *o = (double *)out.buf;
        /* runs: row, start, end (exclusive); at most one per set pixel */
        int32_t *ry = malloc(sizeof(int32_t) * (size_t)(cap + 1));
        int32_t *rs = malloc(sizeof(int32_t) * (size_t)(cap + 1));
        int32_t *re = malloc(sizeof(int32_t) * (size_t)(cap + 1));
        int32_t *parent = malloc(sizeof(int32_t) * (size_t)(cap + 1));
        int32_t *slot = malloc(sizeof(int32_t) * (size_t)(cap + 1));
        Py_ssize_t n = 0, overflow = 0;
        const float *values = kept.obj ? (const float *)kept.buf : NULL;
        Py_ssize_t next = 0, nkept = kept.obj ? kept.len / (Py_ssize_t)sizeof(float) : 0;
        int mismatch = 0;
        if (!ry || !rs || !re || !parent || !slot) {
            free(ry), free(rs), free(re), free(parent), free(slot);
            PyErr_NoMemory();
            goto done;
        }
        Py_BEGIN_ALLOW_THREADS
        Py_ssize_t nruns = 0, prev_lo = 0, prev_hi = 0; /* runs of the row above */
        Py_ssize_t prev_y = -2;
        for (Py_ssize_t y = 0; y < h && !overflow; y++) {
            if (count[y] == 0)
                continue;
            const uint8_t *row = m + y * w;
            Py_ssize_t lo = nruns, x = 0;
            while (x < w) {
                /* skip unset bytes, eight at a time where aligned enough */
                while (x + 8 <= w) {
                    uint64_t word;
                    memcpy(&word, row + x, 8);
                    if (word)
                        break;
                    x += 8;
                }
                while (x < w && !row[x])
                    x++;
                if (x >= w)
                    break;
                Py_ssize_t x0 = x;
                while (x < w && row[x])
                    x++;
                if (nruns >= cap) {
                    overflow = 1;
                    break;
                }
                ry[nruns] = (int32_t)y, rs[nruns] = (int32_t)x0, re[nruns] = (int32_t)x;
                parent[nruns] = (int32_t)nruns;
                nruns++;
            }
            if (prev_y == y - 1) { /* join runs touching the row above (8-connected) */
                Py_ssize_t q = prev_lo;
                for (Py_ssize_t r = lo; r < nruns; r++) {
                    while (q < prev_hi && re[q] < rs[r]) /* ends before r starts - 1 */
                        q++;
                    for (Py_ssize_t k = q; k < prev_hi && rs[k] <= re[r]; k++) {
                        int32_t u = root_of(parent, (int32_t)r), v = root_of(parent, (int32_t)k);
                        if (u != v) { /* the earlier run stays the root */
                            if (u < v)
                                parent[v] = u;
                            else
                                parent[u] = v;
                        }
                    }
                }
            }
            prev_lo = lo, prev_hi = nruns, prev_y = y;
        }
        if (!overflow) {
            for (Py_ssize_t r = 0; r < nruns; r++) {
                int32_t root = root_of(parent, (int32_t)r);
                Py_ssize_t i;
                if (root == r) { /* a new component, met at its first run */
                    i = n++;
                    slot[r] = (int32_t)i;
                    o[i] = 0.0;                                 /* area */
                    o[cap + i] = rs[r];                         /* x0 */
                    o[2 * cap + i] = ry[r];                     /* y0 */
                    o[3 * cap + i] = re[r] - 1;                 /* x1 */
                    o[4 * cap + i] = ry[r];                     /* y1 */
                    o[5 * cap + i] = 0.0;                       /* sum x */
                    o[6 * cap + i] = 0.0;                       /* sum y */
                    o[7 * cap + i] = 0.0;                       /* sum of values */
                    o[8 * cap + i] = 0.0;                       /* peak */
                    o[9 * cap + i] = (double)((ry[r] / 2) * w + rs[r]); /* block key */
                    o[10 * cap + i] = (double)(ry[r] * w + rs[r]);     /* first pixel */
                } else {
                    i = slot[root];
                }
                Py_ssize_t y = ry[r], x0 = rs[r], x1 = re[r], len = x1 - x0;
                o[i] += (double)len;
                if (x0 < o[cap + i])
                    o[cap + i] = (double)x0;
                if (x1 - 1 > o[3 * cap + i])
                    o[3 * cap + i] = (double)(x1 - 1);
                o[4 * cap + i] = (double)y; /* runs come in row order */
                o[6 * cap + i] += (double)(len * y);
                double key = (double)((y / 2) * w + x0);
                if (key < o[9 * cap + i])
                    o[9 * cap + i] = key;
                const uint8_t *pa = j.a, *pb = j.b;
                if (values && next + len > nkept) {
                    mismatch = 1;
                    break;
                }
                for (Py_ssize_t x = x0; x < x1; x++) {
                    Py_ssize_t idx = y * w + x;
                    float v = values ? values[next++]
                                     : value_of(&j, delta_at(&j, pa + idx * c, pb + idx * c, 0,
                                                             idx, c));
                    o[5 * cap + i] += (double)x;
                    o[7 * cap + i] += (double)v;
                    if ((double)v > o[8 * cap + i])
                        o[8 * cap + i] = (double)v;
                }
            }
        }
        Py_END_ALLOW_THREADS
        free(ry), free(rs), free(re), free(parent), free(slot);
        if (overflow) {
            PyErr_SetString(PyExc_ValueError, "regions: more runs than the output holds");
            goto done;
        }
        if (values && (mismatch || next != nkept)) {
            PyErr_SetString(PyExc_ValueError, "regions: kept does not match the mask");
            goto done;
        }
        result = PyLong_FromSsize_t(n);
    }
done:
    PyBuffer_Release(&a);
    PyBuffer_Release(&b);
    PyBuffer_Release(&mask);
    PyBuffer_Release(&rows);
    PyBuffer_Release(&out);
    if (kept.obj)
        PyBuffer_Release(&kept);
    return result;
}

static PyMethodDef methods[] = {
    {"scan", scan, METH_VARARGS, scan_doc},
    {"values_at", values_at, METH_VARARGS, values_at_doc},
    {"regions", regions, METH_VARARGS, regions_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_pixelmatch",
    "Compiled band scan of spotdiff's pixelmatch-compatible method.", -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__pixelmatch(void)
{
    return PyModule_Create(&module);
}
