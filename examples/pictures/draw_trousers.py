# examples/pictures/drawn_trousers.png: navy trousers drawn on white, 90x160 RGB,
# a picture unlike the training images (dark on light, larger, in colour)
# for `predict --input`.  Run from examples/pictures/.
import zlib, struct
W, H = 90, 160
def inside(x, y):
    if 6 <= y < 20 and 22 <= x < 68: return True          # waistband
    if 20 <= y < 156:
        t = (y - 20) / 136
        if y < 36: return 22 - 3 * t <= x < 68 + 3 * t     # seat
        return 22 - 5 * t <= x < 40 - 2 * t or 50 + 2 * t <= x < 68 + 5 * t   # legs
    return False
rows = b''
for y in range(H):
    rows += b'\0' + b''.join(bytes((30, 40, 90)) if inside(x, y) else bytes((250, 250, 248)) for x in range(W))
def chunk(t, d): return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d) & 0xffffffff)
png = b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', W, H, 8, 2, 0, 0, 0)) + chunk(b'IDAT', zlib.compress(rows, 9)) + chunk(b'IEND', b'')
open('drawn_trousers.png', 'wb').write(png)
