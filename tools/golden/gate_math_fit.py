"""Minimax polynomials for Ember.Kernels' GateMath (float32 sigmoid/tanh of the recurrent gate kernels, issue 17).

GateMath evaluates in float, so the coefficients are rounded to float32 and the bound below is that of the rounded
polynomial (weighted for the relative error of the value the kernel returns), measured on a dense grid in 40-digit
arithmetic (mpmath). Remez exchange from float32_math_fit.py.

  exp:  e^r = 1 + r + r^2 P(r),   |r| <= 0.34658 (ln2/2 plus the reduction's slack), P of degree 4
  tanh: tanh x = x + x z Q(z),    z = x^2 <= 0.55^2, Q of degree 4

The end-to-end error (every float input, the float operations included) is measured by the bench's
`--workload gatecheck` over all 2^32 inputs; see docs/design-notes.md (issue 17, float32 gate activations).
Output: the C# constants and the bounds, on stdout (nothing is written).
Run: /usr/bin/python3 tools/golden/gate_math_fit.py [--points N] (default 20000 grid points per polynomial).
"""
import os
import sys

import mpmath as mp
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from float32_math_fit import remez, worst_error  # noqa: E402

mp.mp.dps = 40


def main():
    points = int(sys.argv[sys.argv.index('--points') + 1]) if '--points' in sys.argv else 20000
    small = mp.mpf('0.55') ** 2
    cases = [
        ('P', 4, lambda r: (mp.expm1(r) - r) / r ** 2 if r else mp.mpf(0.5), lambda r: r ** 2 / mp.exp(r),
         -mp.mpf('0.34658'), mp.mpf('0.34658')),
        ('Q', 4, lambda z: (mp.tanh(mp.sqrt(z)) / mp.sqrt(z) - 1) / z,
         lambda z: z * mp.sqrt(z) / mp.tanh(mp.sqrt(z)), mp.mpf('1e-30'), small * (1 + mp.mpf('1e-6'))),
    ]
    for name, n, g, w, a, b in cases:
        coefs = [float(np.float32(x)) for x in remez(g, w, a, b, n)]
        bound = worst_error(coefs, g, w, a, b, points)
        print(f'// {name}: relative error of the float-coefficient polynomial <= {mp.nstr(bound, 3)}')
        print('private const float ' + ', '.join(f'{name}{i} = {c!r}f' for i, c in enumerate(coefs)) + ';')


if __name__ == '__main__':
    main()
