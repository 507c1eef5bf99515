"""Minimax polynomials for Ember.Kernels' Float32Math double kernels, and their measured error bounds.

Float32Math evaluates float32 transcendentals in double and rounds once to float. A kernel whose double result has a
relative error far below half a float ulp (2^-25 ~ 3e-8) gives a float within 1 ulp of the correctly rounded result,
so the polynomials only need ~1e-13, not double precision. This script fits each polynomial by the Remez exchange
(weighted for the relative error of the quantity the kernel returns), rounds the coefficients to double, and measures
the worst weighted error of the rounded polynomial on a dense grid in 40-digit arithmetic (mpmath):

  exp:  e^r - 1 = r + r^2 P(r),  |r| <= 0.34658 (ln2/2 plus the reduction's slack), P of degree 7
  log:  ln m = 2s + 2s z P(z),    s = (m-1)/(m+1), z = s^2 <= 0.1716^2 (m in [sqrt(1/2), sqrt(2))), P of degree 4
  sin:  sin r = r + r z S(z),     z = r^2 <= (pi/4)^2, S of degree 4
  cos:  cos r = 1 + z C(z),       z = r^2 <= (pi/4)^2, C of degree 4

Output: the C# constants and the bounds, on stdout (nothing is written).
Run: /usr/bin/python3 tools/golden/float32_math_fit.py [--points N] (default 100000 grid points per function).
"""
import sys

import mpmath as mp

mp.mp.dps = 40


def remez(g, w, a, b, n, iters=30, grid=3000):
    """Degree-n polynomial (coefficients, low order first) minimizing max |w(x) (p(x) - g(x))| on [a, b]."""
    m = n + 2
    xs = [(a + b) / 2 - (b - a) / 2 * mp.cos(mp.pi * i / (m - 1)) for i in range(m)]
    xs[0] = a + (b - a) * mp.mpf('1e-6')
    # Nudge the nodes off a zero of the weight (exp's weight vanishes at r = 0).
    xs = [x + (b - a) * mp.mpf('1e-7') for x in xs[:-1]] + [xs[-1]]
    pts = [a + (b - a) * mp.mpf(i) / grid for i in range(1, grid + 1)]
    c = None
    for _ in range(iters):
        A = mp.matrix(m, m)
        rhs = mp.matrix(m, 1)
        for i, x in enumerate(xs):
            for j in range(n + 1):
                A[i, j] = x ** j
            A[i, n + 1] = (-1) ** i / w(x)
            rhs[i] = g(x)
        sol = mp.lu_solve(A, rhs)
        c = [sol[j] for j in range(n + 1)]
        vals = [w(x) * (mp.polyval(c[::-1], x) - g(x)) for x in pts]
        ext = []
        for i, v in enumerate(vals):
            left = vals[i - 1] if i > 0 else None
            right = vals[i + 1] if i + 1 < len(vals) else None
            if (left is None or abs(v) >= abs(left)) and (right is None or abs(v) >= abs(right)):
                ext.append((pts[i], v))
        alt = []
        for x, v in ext:
            if alt and mp.sign(alt[-1][1]) == mp.sign(v):
                if abs(v) > abs(alt[-1][1]):
                    alt[-1] = (x, v)
            else:
                alt.append((x, v))
        while len(alt) > m:
            if abs(alt[0][1]) < abs(alt[-1][1]):
                alt.pop(0)
            else:
                alt.pop()
        if len(alt) < m:
            break
        xs = [x for x, _ in alt]
    return c


def worst_error(coefs, g, w, a, b, points):
    """Worst weighted error of the polynomial with double coefficients, on points + 1 grid points of (a, b]."""
    worst = mp.mpf(0)
    for i in range(1, points + 1):
        x = a + (b - a) * mp.mpf(i) / points
        p = mp.mpf(0)
        for k in reversed(coefs):
            p = p * x + mp.mpf(k)
        worst = max(worst, abs(w(x) * (p - g(x))))
    return worst


def main():
    points = int(sys.argv[sys.argv.index('--points') + 1]) if '--points' in sys.argv else 100000
    smax = (mp.sqrt(2) - 1) / (mp.sqrt(2) + 1)
    tiny = mp.mpf('1e-30')
    cases = [
        ('Exp', 7, lambda r: (mp.expm1(r) - r) / r ** 2 if r else mp.mpf(0.5),
         lambda r: r ** 2 / abs(mp.expm1(r)) if r else mp.mpf(0),
         -mp.mpf('0.34658'), mp.mpf('0.34658')),
        ('Log', 4, lambda z: (mp.atanh(mp.sqrt(z)) / mp.sqrt(z) - 1) / z,
         lambda z: z / (mp.atanh(mp.sqrt(z)) / mp.sqrt(z)), tiny, smax ** 2 * (1 + mp.mpf('1e-6'))),
        ('Sin', 4, lambda z: (mp.sin(mp.sqrt(z)) - mp.sqrt(z)) / mp.sqrt(z) ** 3,
         lambda z: z / (mp.sin(mp.sqrt(z)) / mp.sqrt(z)), tiny, (mp.pi / 4) ** 2 * (1 + mp.mpf('1e-6'))),
        ('Cos', 4, lambda z: (mp.cos(mp.sqrt(z)) - 1) / z, lambda z: z / mp.cos(mp.sqrt(z)),
         tiny, (mp.pi / 4) ** 2 * (1 + mp.mpf('1e-6'))),
    ]
    for name, n, g, w, a, b in cases:
        coefs = [float(x) for x in remez(g, w, a, b, n)]
        bound = worst_error(coefs, g, w, a, b, points)
        print(f'// {name}: relative error of the kernel polynomial <= {mp.nstr(bound, 3)}')
        print('private const double ' + ', '.join(f'{name}P{i} = {c!r}' for i, c in enumerate(coefs)) + ';')


if __name__ == '__main__':
    main()
