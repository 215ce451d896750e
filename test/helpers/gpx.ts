/**
 * Parses GPX with Python's ElementTree (an independent XML parser, present
 * wherever gpsfake is): namespaces, escaping and structure are checked by
 * something other than the code that wrote the file.
 */
import { spawnSync } from 'node:child_process';

export interface ParsedGpxPoint {
  lat: number;
  lon: number;
  ele: number | null;
  time: string;
  fix: string | null;
  sat: number | null;
  hdop: number | null;
  speed: number | null;
  course: number | null;
}

const SCRIPT = `
import json, sys, xml.etree.ElementTree as ET
ns = {'g': 'http://www.topografix.com/GPX/1/1', 'x': 'http://www.garmin.com/xmlschemas/TrackPointExtension/v2'}
root = ET.fromstring(sys.stdin.buffer.read())
assert root.tag == '{http://www.topografix.com/GPX/1/1}gpx' and root.get('version') == '1.1', root.tag
def num(e, path, cast=float):
    v = e.find(path, ns)
    return None if v is None else cast(v.text)
out = []
for trk in root.findall('g:trk', ns):
    pts = []
    for p in trk.findall('g:trkseg/g:trkpt', ns):
        fix = p.find('g:fix', ns)
        pts.append({'lat': float(p.get('lat')), 'lon': float(p.get('lon')), 'ele': num(p, 'g:ele'),
                    'time': p.find('g:time', ns).text, 'fix': None if fix is None else fix.text,
                    'sat': num(p, 'g:sat', int), 'hdop': num(p, 'g:hdop'),
                    'speed': num(p, 'g:extensions/x:TrackPointExtension/x:speed'),
                    'course': num(p, 'g:extensions/x:TrackPointExtension/x:course')})
    out.append({'name': trk.find('g:name', ns).text, 'points': pts})
json.dump(out, sys.stdout)
`;

export function parseGpx(xml: string): Array<{ name: string; points: ParsedGpxPoint[] }> {
  const r = spawnSync('python3', ['-c', SCRIPT], { input: xml, encoding: 'utf8' });
  if (r.error) throw new Error(`python3 is needed to parse GPX in tests: ${String(r.error)}`);
  if (r.status !== 0) throw new Error(`GPX did not parse: ${r.stderr}`);
  return JSON.parse(r.stdout) as Array<{ name: string; points: ParsedGpxPoint[] }>;
}
