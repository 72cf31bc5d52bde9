#!/usr/bin/python3
"""The four large tables of ngx_http_overlay_vp8_tables.c, from RFC 6386.

    tools/vp8_tables.py rfc6386.txt > tables.txt

reads the RFC's plain text (as the RFC Editor publishes it) and prints the
subblock mode probabilities (11.5), the coefficient probabilities' update
probabilities (13.4) and defaults (13.5), and the dequantization lookups
(14.1) as C, in the module's style: the numbers of each code block from
its declaration's "=" to its closing brace, page breaks skipped, counted
against the table's size.  The unit tests (tests/unit/test_vp8.c) hold
the result to libwebp's decoding.
"""

import re
import sys


def numbers(lines, name, count):
    # the declaration with an initializer (a narrative one has none)
    i = next(k for k, s in enumerate(lines)
             if name in s and 'const' in s
             and any('=' in t for t in lines[k:k + 3]))
    while '=' not in lines[i]:
        i += 1
    text = [lines[i].split('=', 1)[1]]
    i += 1
    while 'End code block' not in lines[i] and '};' not in lines[i - 1]:
        s = lines[i]
        if not (s.startswith('Bankoski') or s.startswith('RFC 6386')):
            text.append(re.sub(r'/\*.*?\*/', '', s))
        i += 1
    v = [int(x) for x in re.findall(r'\b\d+\b', ' '.join(text))]
    if len(v) != count:
        sys.exit('%s: %d numbers, not %d' % (name, len(v), count))
    return v


def nested(v, dims, depth):
    pad = '    ' * depth
    if len(dims) == 1:
        return pad + '{ ' + ', '.join(str(x) for x in v) + ' }'
    step = len(v) // dims[0]
    return (pad + '{\n'
            + ',\n'.join(nested(v[i * step:(i + 1) * step], dims[1:],
                                depth + 1) for i in range(dims[0]))
            + '\n' + pad + '}')


def flat(ctype, name, v):
    rows = ['    ' + ', '.join(str(x) for x in v[k:k + 10])
            for k in range(0, len(v), 10)]
    return '%s  %s = {\n%s\n};' % (ctype, name, ',\n'.join(rows))


def main():
    lines = open(sys.argv[1]).read().split('\n')
    out = []
    for name, cname, dims in (
            ('kf_bmode_prob', 'kf_bmode_probs[10][10][9]', [10, 10, 9]),
            ('coeff_update_probs', 'coef_update_probs[4][8][3][11]',
             [4, 8, 3, 11]),
            ('default_coeff_probs', 'default_coef_probs[4][8][3][11]',
             [4, 8, 3, 11])):
        n = 1
        for d in dims:
            n *= d
        out.append('const uint8_t  ngx_http_overlay_vp8_%s = %s;'
                   % (cname, nested(numbers(lines, name, n), dims, 0)))
    out.append(flat('const uint16_t', 'ngx_http_overlay_vp8_dc_q[128]',
                    numbers(lines, 'dc_qlookup', 128)))
    out.append(flat('const uint16_t', 'ngx_http_overlay_vp8_ac_q[128]',
                    numbers(lines, 'ac_qlookup', 128)))
    print('\n\n\n'.join(out))


main()
