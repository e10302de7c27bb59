/** Deciding what not to scan: binary content, known binary extensions. */
import type { CatFileResult } from './catfile.ts';
import type { ScanItem, SourceOptions } from './types.ts';

const BINARY_EXTENSIONS = new Set(
  (
    'png jpg jpeg gif bmp ico icns webp tif tiff psd ai heic avif ' +
    'pdf doc docx xls xlsx ppt pptx odt ods odp ' +
    'zip gz tgz bz2 xz zst 7z rar lz4 lzma cab ar deb rpm apk ipa msi dmg iso img ' +
    'jar war ear class dex so dylib dll exe bin o a lib obj pyc pyo wasm node ' +
    'woff woff2 ttf otf eot ' +
    'mp3 mp4 m4a m4v mov avi mkv webm wav flac ogg aac wma wmv flv ' +
    'sqlite sqlite3 db mdb parquet avro orc npy npz pkl pt onnx h5'
  ).split(' '),
);

/** A path whose extension says binary. */
export function hasBinaryExtension(path: string): boolean {
  const slash = path.lastIndexOf('/');
  const dot = path.lastIndexOf('.');
  if (dot <= slash + 1) return false;
  return BINARY_EXTENSIONS.has(path.slice(dot + 1).toLowerCase());
}

/** Content is binary when a NUL byte occurs in its first 8 KB (git's own test). */
export function looksBinary(content: Buffer): boolean {
  return content.subarray(0, 8192).includes(0);
}

/** A blob read back from cat-file as a scan item, or undefined when skipped (and counted). */
export function toItem(opts: SourceOptions, e: { blob: string; path: string }, r: CatFileResult): ScanItem | undefined {
  if (r.kind === 'large') {
    opts.stats.skippedLarge++;
    return undefined;
  }
  if (r.kind !== 'blob') {
    opts.stats.errors.push({ path: e.path, error: `object ${e.blob} is ${r.kind === 'other' ? `a ${r.type}` : 'missing'}` });
    return undefined;
  }
  if (looksBinary(r.content)) {
    opts.stats.skippedBinary++;
    return undefined;
  }
  return { location: { path: e.path, blob: e.blob }, content: r.content };
}
