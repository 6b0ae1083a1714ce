// The GPS position a camera wrote into a JPEG's Exif (APP1 -> TIFF -> GPS IFD), read in the
// browser before the upload, so the form can offer it as the report's place (docs/photos.md).
// The same rules as functions/shared/civicdesk/domain/image_metadata.py: no position for a
// damaged file or a camera without a fix (0, 0).

/** {lat, lon} from the JPEG's bytes (an ArrayBuffer of at least its first 64 KiB), or null. */
export function jpegGps(buffer) {
  try {
    const view = new DataView(buffer);
    if (view.getUint16(0) !== 0xffd8) return null;
    let pos = 2;
    while (pos + 4 <= view.byteLength) {
      if (view.getUint8(pos) !== 0xff) return null;
      const marker = view.getUint8(pos + 1);
      if (marker === 0xff) { pos += 1; continue; }
      if (marker === 0xda) return null; // image data: no Exif before it
      const length = view.getUint16(pos + 2);
      if (marker === 0xe1 && view.getUint32(pos + 4) === 0x45786966 && view.getUint16(pos + 8) === 0) {
        return tiffGps(new DataView(buffer, pos + 10, Math.min(length - 8, view.byteLength - pos - 10)));
      }
      pos += 2 + length;
    }
  } catch (err) {
    return null; // truncated or damaged: no position
  }
  return null;
}

function tiffGps(tiff) {
  const order = tiff.getUint16(0);
  if (order !== 0x4949 && order !== 0x4d4d) return null;
  const little = order === 0x4949;
  const u16 = (at) => tiff.getUint16(at, little);
  const u32 = (at) => tiff.getUint32(at, little);
  if (u16(2) !== 42) return null;
  const entries = (offset) => {
    const found = {};
    const count = Math.min(u16(offset), 512);
    for (let i = 0; i < count; i += 1) {
      const at = offset + 2 + 12 * i;
      found[u16(at)] = { type: u16(at + 2), count: u32(at + 4), value: u32(at + 8), at: at + 8 };
    }
    return found;
  };
  const gpsPointer = entries(u32(4))[0x8825];
  if (!gpsPointer) return null;
  const gps = entries(gpsPointer.value);
  const degrees = (entry) => {
    if (!entry || entry.type !== 5 || entry.count !== 3) return null;
    const part = (i) => u32(entry.value + 8 * i) / u32(entry.value + 8 * i + 4);
    return part(0) + part(1) / 60 + part(2) / 3600;
  };
  const ref = (entry) => {
    if (!entry || entry.type !== 2) return null;
    const at = entry.count <= 4 ? entry.at : entry.value;
    return String.fromCharCode(tiff.getUint8(at)).toUpperCase();
  };
  let lat = degrees(gps[2]);
  let lon = degrees(gps[4]);
  const latRef = ref(gps[1]);
  const lonRef = ref(gps[3]);
  if (lat === null || lon === null || !Number.isFinite(lat) || !Number.isFinite(lon)) return null;
  if (!['N', 'S'].includes(latRef) || !['E', 'W'].includes(lonRef)) return null;
  if (latRef === 'S') lat = -lat;
  if (lonRef === 'W') lon = -lon;
  if (Math.abs(lat) > 90 || Math.abs(lon) > 180 || (lat === 0 && lon === 0)) return null;
  return { lat: Math.round(lat * 1e7) / 1e7, lon: Math.round(lon * 1e7) / 1e7 };
}
