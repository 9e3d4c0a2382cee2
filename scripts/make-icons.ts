// npm run icons — renders assets/icons/icon.svg into the files electron-builder and the
// window use: png/{16…1024}x{…}.png (Linux, window icon), icon.ico (Windows NSIS and the
// exe) and icon.icns (macOS), the last two with png2icons (pure JS, no native tools).
// The outputs are committed; run this again only when the SVG changes.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import png2icons from 'png2icons';

const ICONS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'assets', 'icons');
const SIZES = [16, 32, 48, 64, 128, 256, 512, 1024];

const svg = await readFile(path.join(ICONS, 'icon.svg'));
await mkdir(path.join(ICONS, 'png'), { recursive: true });
for (const size of SIZES) {
  const png = await sharp(svg, { density: Math.ceil((72 * size) / 1024) * 4 })
    .resize(size, size)
    .png({ compressionLevel: 9 })
    .toBuffer();
  await writeFile(path.join(ICONS, 'png', `${size}x${size}.png`), png);
}
const master = await readFile(path.join(ICONS, 'png', '1024x1024.png'));
const ico = png2icons.createICO(master, png2icons.BICUBIC2, 0, false, true);
const icns = png2icons.createICNS(master, png2icons.BICUBIC2, 0);
if (!ico || !icns) throw new Error('png2icons could not convert assets/icons/png/1024x1024.png');
await writeFile(path.join(ICONS, 'icon.ico'), ico);
await writeFile(path.join(ICONS, 'icon.icns'), icns);
console.log(`assets/icons: png/ (${SIZES.join(', ')}), icon.ico, icon.icns`);
