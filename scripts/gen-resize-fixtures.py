"""Writes test/fixtures/resize.json: images resized by PIL's BILINEAR filter (what torchvision's Resize does to PIL
images), for test/data/resize.test.ts (whittle's resizeStore must give the same pixels). Cases: 8-bit grey up and
down (by 2 and by a non-integer factor), 8-bit RGB to another aspect, and 32-bit float (PIL mode 'F') both ways.
Pixels are seeded pseudo-random. Run with /usr/bin/python3 (Debian's python3-pil)."""
import json
import os
import random

from PIL import Image

random.seed(0)
cases = []
for name, mode, (w, h), (ow, oh) in [('grey up 28 to 32', 'L', (28, 28), (32, 32)), ('grey down 28 to 14', 'L', (28, 28), (14, 14)),
                                     ('grey down 28 to 20', 'L', (28, 28), (20, 20)), ('rgb 9x7 to 5x12', 'RGB', (9, 7), (5, 12)),
                                     ('float 11x9 to 16x6', 'F', (11, 9), (16, 6))]:
    channels = 3 if mode == 'RGB' else 1
    planes = [[random.random() * 4 - 1 if mode == 'F' else random.randrange(256) for _ in range(w * h)] for _ in range(channels)]
    if mode == 'RGB':
        im = Image.new('RGB', (w, h))
        im.putdata(list(zip(*planes)))
    else:
        im = Image.new(mode, (w, h))
        im.putdata(planes[0])
    out = im.resize((ow, oh), Image.BILINEAR)
    data = list(out.getdata())
    resized = [[p[c] for p in data] for c in range(channels)] if mode == 'RGB' else [data]
    cases.append({'name': name, 'float': mode == 'F', 'shape': [channels, h, w], 'out': [oh, ow],
                  'pixels': [v for plane in planes for v in plane], 'expected': [v for plane in resized for v in plane]})

path = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'resize.json')
with open(path, 'w') as f:
    json.dump({'generator': 'scripts/gen-resize-fixtures.py', 'pil': Image.__version__, 'cases': cases}, f)
print('wrote', path, len(cases), 'cases')
