/*
 * The SSIM band kernel for one working type. _ssim.c includes this file
 * twice: with REAL = float (SUFFIX f32) and REAL = double (SUFFIX f64).
 *
 * Every expression is written in the order of the numpy implementation in
 * spotdiff/metrics/ssim.py (_band_numpy), one rounding per operation, so
 * that both give the same numbers bit for bit (setup.py compiles without
 * fused multiply-adds).
 */

#define FN(name) CAT(name, SUFFIX)

/* p = (x + y) - cc, m = x - y for contiguous 8-bit rows (exact in REAL). */
ROW_LOOP static void FN(load_u8)(REAL *restrict p, REAL *restrict m, const uint8_t *restrict x,
                                 const uint8_t *restrict y, REAL cc, Py_ssize_t w)
{
    for (Py_ssize_t i = 0; i < w; i++) {
        REAL a = (REAL)x[i], b = (REAL)y[i];
        p[i] = (a + b) - cc;
        m[i] = a - b;
    }
}

/* The same for one channel of contiguous RGB rows. */
ROW_LOOP static void FN(load_u8_rgb)(REAL *restrict p, REAL *restrict m,
                                     const uint8_t *restrict x, const uint8_t *restrict y,
                                     REAL cc, Py_ssize_t w)
{
    for (Py_ssize_t i = 0; i < w; i++) {
        REAL a = (REAL)x[3 * i], b = (REAL)y[3 * i];
        p[i] = (a + b) - cc;
        m[i] = a - b;
    }
}

ROW_LOOP static void FN(square_rows)(REAL *restrict p2, REAL *restrict m2, const REAL *restrict p,
                                     const REAL *restrict m, Py_ssize_t n)
{
    for (Py_ssize_t i = 0; i < n; i++) {
        p2[i] = p[i] * p[i];
        m2[i] = m[i] * m[i];
    }
}

/* One source row: p = (x + y) - cc and m = x - y (in double, rounded to
 * REAL) at pad[r .. r + w), mirrored into the r columns on each side, and
 * their squares. */
static void FN(load_row)(const Job *j, Py_ssize_t row, REAL *restrict p, REAL *restrict m,
                         REAL *restrict p2, REAL *restrict m2)
{
    const Py_ssize_t w = j->w, r = j->r, n = w + 2 * r;
    const char *xr = j->x + row * j->xs0, *yr = j->y + row * j->ys0;
    const Py_ssize_t xs = j->xs1, ys = j->ys1;
    const double cc = j->cc;
    REAL *restrict pp = p + r, *restrict mm = m + r;

    /* Integer inputs with an integer cc below 2^24 give integers that REAL
     * holds exactly: the same values as the rounded double. */
    const int exact = j->type <= IN_U16 && cc < 16777216.0 && cc > -16777216.0 &&
                      cc == (double)(int32_t)cc;
#define LOAD(T, W)                                                       \
    for (Py_ssize_t i = 0; i < w; i++) {                                 \
        W a = (W)*(const T *)(xr + i * xs);                              \
        W b = (W)*(const T *)(yr + i * ys);                              \
        pp[i] = (REAL)((a + b) - (W)cc);                                 \
        mm[i] = (REAL)(a - b);                                           \
    }
    if (exact && j->type == IN_U8 && xs == 1 && ys == 1) {
        FN(load_u8)(pp, mm, (const uint8_t *)xr, (const uint8_t *)yr, (REAL)cc, w);
    } else if (exact && j->type == IN_U8 && xs == 3 && ys == 3) {
        FN(load_u8_rgb)(pp, mm, (const uint8_t *)xr, (const uint8_t *)yr, (REAL)cc, w);
    } else if (exact && j->type == IN_U8) {
        LOAD(uint8_t, REAL)
    } else if (exact) {
        LOAD(uint16_t, REAL)
    } else {
        switch (j->type) {
        case IN_U8: LOAD(uint8_t, double) break;
        case IN_U16: LOAD(uint16_t, double) break;
        case IN_F32: LOAD(float, double) break;
        default: LOAD(double, double) break;
        }
    }
#undef LOAD
    /* 'symmetric' (d c b a | a b c d) or reflect-101 (d c b | a b c d). */
    const Py_ssize_t o = j->reflect101 ? 0 : 1;
    for (Py_ssize_t i = 1; i <= r; i++) {
        pp[-i] = pp[i - o];
        mm[-i] = mm[i - o];
        pp[w - 1 + i] = pp[w - 1 - i + o];
        mm[w - 1 + i] = mm[w - 1 - i + o];
    }
    FN(square_rows)(p2, m2, p, m, n);
}

/* out[x] = k0 c[x] + k1 (lo[x] + hi[x]): the centre tap and the first pair */
ROW_LOOP static void FN(first_pair)(REAL *restrict out, const REAL *restrict c, REAL k0,
                                    const REAL *restrict lo, const REAL *restrict hi, REAL k1,
                                    Py_ssize_t w)
{
    for (Py_ssize_t x = 0; x < w; x++)
        out[x] = k0 * c[x] + k1 * (lo[x] + hi[x]);
}

/* out[x] = (out[x] + k1 (lo1[x] + hi1[x])) + k2 (lo2[x] + hi2[x]) */
ROW_LOOP static void FN(add_pairs)(REAL *restrict out, const REAL *restrict lo1,
                                   const REAL *restrict hi1, REAL k1, const REAL *restrict lo2,
                                   const REAL *restrict hi2, REAL k2, Py_ssize_t w)
{
    for (Py_ssize_t x = 0; x < w; x++)
        out[x] = (out[x] + k1 * (lo1[x] + hi1[x])) + k2 * (lo2[x] + hi2[x]);
}

/* out[x] = out[x] + k1 (lo[x] + hi[x]) */
ROW_LOOP static void FN(add_pair)(REAL *restrict out, const REAL *restrict lo,
                                  const REAL *restrict hi, REAL k1, Py_ssize_t w)
{
    for (Py_ssize_t x = 0; x < w; x++)
        out[x] = out[x] + k1 * (lo[x] + hi[x]);
}

/* The whole 7-tap and 11-tap windows in one pass (the same additions, in
 * the same order, as first_pair followed by add_pairs). */
ROW_LOOP static void FN(taps7)(REAL *restrict out, const REAL *restrict c, const REAL *restrict l1,
                               const REAL *restrict h1, const REAL *restrict l2,
                               const REAL *restrict h2, const REAL *restrict l3,
                               const REAL *restrict h3, const REAL *restrict k, Py_ssize_t w)
{
    const REAL k0 = k[3], k1 = k[2], k2 = k[1], k3 = k[0];
    for (Py_ssize_t x = 0; x < w; x++) {
        REAL v = k0 * c[x] + k1 * (l1[x] + h1[x]);
        out[x] = (v + k2 * (l2[x] + h2[x])) + k3 * (l3[x] + h3[x]);
    }
}

ROW_LOOP static void FN(taps11)(REAL *restrict out, const REAL *restrict c,
                                const REAL *restrict l1, const REAL *restrict h1,
                                const REAL *restrict l2, const REAL *restrict h2,
                                const REAL *restrict l3, const REAL *restrict h3,
                                const REAL *restrict l4, const REAL *restrict h4,
                                const REAL *restrict l5, const REAL *restrict h5,
                                const REAL *restrict k, Py_ssize_t w)
{
    const REAL k0 = k[5], k1 = k[4], k2 = k[3], k3 = k[2], k4 = k[1], k5 = k[0];
    for (Py_ssize_t x = 0; x < w; x++) {
        REAL v = k0 * c[x] + k1 * (l1[x] + h1[x]);
        v = (v + k2 * (l2[x] + h2[x])) + k3 * (l3[x] + h3[x]);
        out[x] = (v + k4 * (l4[x] + h4[x])) + k5 * (l5[x] + h5[x]);
    }
}

/* out[x] = k[r] at[0][x] + sum over i = 1..r of k[r - i] (at[-i][x] + at[i][x]),
 * added in that order (two pairs per pass over out); at(i) is the row or
 * column i away from the centre. */
#define FILTER(at)                                                              \
    do {                                                                        \
        if (r == 5) {                                                           \
            FN(taps11)(out, at(0), at(-1), at(1), at(-2), at(2), at(-3), at(3),  \
                       at(-4), at(4), at(-5), at(5), k, w);                     \
            break;                                                              \
        }                                                                       \
        if (r == 3) {                                                           \
            FN(taps7)(out, at(0), at(-1), at(1), at(-2), at(2), at(-3), at(3),   \
                      k, w);                                                    \
            break;                                                              \
        }                                                                       \
        FN(first_pair)(out, at(0), k[r], at(-1), at(1), k[r - 1], w);           \
        Py_ssize_t i = 2;                                                       \
        for (; i + 1 <= r; i += 2)                                              \
            FN(add_pairs)(out, at(-i), at(i), k[r - i], at(-i - 1), at(i + 1),  \
                          k[r - i - 1], w);                                     \
        if (i <= r)                                                             \
            FN(add_pair)(out, at(-i), at(i), k[r - i], w);                      \
    } while (0)

/* Along a padded row: a points at its column 0. */
static void FN(hfilter)(const REAL *a, REAL *out, Py_ssize_t w, const REAL *k, Py_ssize_t r)
{
#define AT(i) (a + (i))
    FILTER(AT);
#undef AT
}

/* Down the columns: rows[t] is the row t - r away. */
static void FN(vfilter)(REAL *const *rows, REAL *out, Py_ssize_t w, const REAL *k, Py_ssize_t r)
{
#define AT(i) (rows[r + (i)])
    FILTER(AT);
#undef AT
}
#undef FILTER

/* The map formula on the four filtered rows (the means of p, m, p^2, m^2):
 * 1 - SSIM, SSIM or the contrast-structure term (MODE). */
#define FORMULA(MODE)                                                           \
    for (Py_ssize_t x = 0; x < w; x++) {                                        \
        REAL u = e[x] + cc;                    /* mu_x + mu_y */                \
        REAL uu = u * u;                                                        \
        REAL dd = d[x] * d[x];                 /* (mu_x - mu_y)^2 */            \
        REAL vp = q[x] - e[x] * e[x];          /* var(x + y) */                 \
        REAL vm = s[x] - dd;                   /* var(x - y) */                 \
        REAL a1 = (uu - dd) * one_half + c1;   /* 2 mu_x mu_y + C1 */           \
        REAL b1 = a1 + dd;                     /* mu_x^2 + mu_y^2 + C1 */       \
        REAL a2 = (vp - vm) * half + c2;       /* 2 cov + C2 */                 \
        REAL b2 = a2 + vm * norm;              /* var_x + var_y + C2 */         \
        REAL aa = a1 * a2, bb = b1 * b2;                                        \
        out[x] = MODE == MODE_CS ? a2 / b2 : MODE == MODE_SSIM ? aa / bb : (bb - aa) / bb; \
    }

ROW_LOOP static void FN(formula)(const Job *j, const REAL *restrict e, const REAL *restrict d,
                        const REAL *restrict q, const REAL *restrict s, REAL *restrict out)
{
    const Py_ssize_t w = j->w;
    const REAL cc = (REAL)j->cc, c1 = (REAL)j->c1, c2 = (REAL)j->c2;
    const REAL half = (REAL)j->half, norm = (REAL)j->norm, one_half = (REAL)0.5;
    if (j->mode == MODE_CS)
        FORMULA(MODE_CS)
    else if (j->mode == MODE_SSIM)
        FORMULA(MODE_SSIM)
    else
        FORMULA(MODE_DISSIMILARITY)
}
#undef FORMULA

/* Map rows y0 .. y1 into out (row stride out_stride elements); mem holds
 * scratch_values(w, r) values of REAL. */
static void FN(band)(const Job *j, Py_ssize_t y0, Py_ssize_t y1, const REAL *k,
                     REAL *out, Py_ssize_t out_stride, REAL *mem)
{
    const Py_ssize_t w = j->w, r = j->r, taps = 2 * r + 1, n = w + 2 * r;
    const Py_ssize_t ws = row_stride(w);
    /* taps rows of the 4 filtered planes (a ring), 4 means, 4 padded rows */
    REAL *ring = mem, *mean = ring + 4 * taps * ws, *pad = mean + 4 * ws;
    REAL *rows[4][2 * MAX_RADIUS + 1];
    Py_ssize_t first = y0 - r;             /* the logical row held in ring slot 0 */

    for (Py_ssize_t t = first; t < y1 + r; t++) {
        /* The horizontally filtered row t (mirrored at the top and bottom). */
        Py_ssize_t src = mirror(t, j->h, j->reflect101);
        REAL *slot = ring + 4 * ws * ((t - first) % taps);
        FN(load_row)(j, src, pad, pad + n, pad + 2 * n, pad + 3 * n);
        for (int q = 0; q < 4; q++)
            FN(hfilter)(pad + q * n + r, slot + q * ws, w, k, r);
        Py_ssize_t y = t - r;                  /* the output row now complete */
        if (y < y0)
            continue;
        for (int q = 0; q < 4; q++)
            for (Py_ssize_t i = 0; i < taps; i++)
                rows[q][i] = ring + 4 * ws * ((y - r + i - first) % taps) + q * ws;
        for (int q = 0; q < 4; q++)
            FN(vfilter)(rows[q], mean + q * ws, w, k, r);
        FN(formula)(j, mean, mean + ws, mean + 2 * ws, mean + 3 * ws,
                    out + (y - y0) * out_stride);
    }
}

#undef FN
