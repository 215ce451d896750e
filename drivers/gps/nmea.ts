/**
 * Turns NMEA 0183 lines (GGA, RMC, GSA, GSV, VTG) into fixes, once per
 * receiver epoch. Parsing and checksum validation are nmea-simple's; this file
 * only assembles the sentences of one epoch, the way gpsd does: a fix is
 * emitted as soon as RMC and GGA of the same second have arrived (or when the
 * next second starts, for receivers that send only one of them). GSA/GSV/VTG
 * refresh the state that the next fix carries.
 */
import nmea from 'nmea-simple';
import type { GGAPacket, GSAPacket, GSVPacket, RMCPacket, VTGPacket } from 'nmea-simple';
import type { FixMode, GpsFix } from '../../daemon/protocol.js';

const KNOTS_PER_MPS = 1.943844;
const USED_SENTENCES = new Set(['GGA', 'RMC', 'GSA', 'GSV', 'VTG']);
/** NMEA says 82; some receivers go a little over. Anything longer is noise. */
const MAX_SENTENCE = 120;

export interface NmeaStats {
  sentences: number;
  badChecksum: number;
  ignored: number;
}

interface Epoch {
  key: string;
  rmc: RMCPacket | null;
  gga: GGAPacket | null;
  emitted: boolean;
}

const finite = (v: number | undefined): number | null => (v !== undefined && Number.isFinite(v) ? v : null);

export class NmeaAssembler {
  readonly stats: NmeaStats = { sentences: 0, badChecksum: 0, ignored: 0 };
  private epoch: Epoch | null = null;
  private gsaMode: GSAPacket['fixMode'] = 'unknown';
  private gsaHdop: number | null = null;
  private gsaUsed: number | null = null;
  private visible: number | null = null;
  private vtg: VTGPacket | null = null;
  /** YYYY-MM-DD from the last RMC, for GGA-only epochs (GGA has no date). */
  private date: string | null = null;
  private lastFix: GpsFix | null = null;

  /** Feeds one line; returns the fixes it completes (zero, or one). Never throws. */
  push(rawLine: string): GpsFix[] {
    const line = rawLine.trim();
    if (!line.startsWith('$') || line.length > MAX_SENTENCE) {
      if (line) this.stats.ignored++;
      return [];
    }
    const id = line.slice(3, 6);
    if (!USED_SENTENCES.has(id)) {
      this.stats.ignored++;
      return [];
    }
    let packet;
    try {
      // Throws on a bad or missing checksum and on malformed fields.
      packet = nmea.parseNmeaSentence(line);
    } catch {
      this.stats.badChecksum++;
      return [];
    }
    this.stats.sentences++;
    const timeKey = line.split(',')[1] ?? '';
    switch (packet.sentenceId) {
      case 'RMC':
        return this.timed(timeKey, (e) => (e.rmc = packet as RMCPacket));
      case 'GGA':
        return this.timed(timeKey, (e) => (e.gga = packet as GGAPacket));
      case 'GSA': {
        const gsa = packet as GSAPacket;
        this.gsaMode = gsa.fixMode;
        this.gsaHdop = finite(gsa.HDOP);
        this.gsaUsed = gsa.satellites.length;
        return [];
      }
      case 'GSV':
        this.visible = finite((packet as GSVPacket).satellitesInView);
        return [];
      case 'VTG':
        this.vtg = packet as VTGPacket;
        return [];
      default:
        return [];
    }
  }

  private timed(key: string, apply: (e: Epoch) => void): GpsFix[] {
    const out: GpsFix[] = [];
    if (this.epoch && this.epoch.key !== key) {
      const done = this.flush(this.epoch);
      if (done) out.push(done);
    }
    if (!this.epoch || this.epoch.key !== key) this.epoch = { key, rmc: null, gga: null, emitted: false };
    apply(this.epoch);
    if (this.epoch.rmc && this.epoch.gga) {
      const done = this.flush(this.epoch);
      if (done) out.push(done);
    }
    return out;
  }

  private flush(e: Epoch): GpsFix | null {
    if (e.emitted) return null;
    e.emitted = true;
    const fix = this.build(e);
    if (fix) this.lastFix = fix;
    return fix;
  }

  private build({ rmc, gga }: Epoch): GpsFix | null {
    if (rmc && !Number.isNaN(rmc.datetime.getTime())) this.date = rmc.datetime.toISOString().slice(0, 10);
    const time = rmc ? rmc.datetime : gga ? this.ggaTime(gga) : null;
    if (!time || Number.isNaN(time.getTime())) return null;
    const lat = finite(gga?.latitude) ?? finite(rmc?.latitude);
    const lon = finite(gga?.longitude) ?? finite(rmc?.longitude);
    const noFix = rmc?.status === 'warning' || gga?.fixType === 'none' || this.gsaMode === 'none' || lat === null || lon === null;
    const hdop = finite(gga?.horizontalDilution) ?? this.gsaHdop;
    const sats = { hdop, satellitesUsed: finite(gga?.satellitesInView) ?? this.gsaUsed, satellitesVisible: this.visible };
    if (noFix) {
      if (!this.lastFix) return null;
      return { ...this.lastFix, ...sats, time: time.toISOString(), mode: 'none', speed: null, track: null, climb: null, errorM: null };
    }
    const mode: FixMode = this.gsaMode === '2D' ? '2d' : this.gsaMode === '3D' || finite(gga?.altitudeMeters) !== null ? '3d' : '2d';
    const altitude = mode === '3d' ? finite(gga?.altitudeMeters) : null;
    const speed = rmc ? finite(rmc.speedKnots / KNOTS_PER_MPS) : this.vtg ? finite(this.vtg.speedKnots / KNOTS_PER_MPS) : null;
    const track = finite(rmc?.trackTrue) ?? finite(this.vtg?.trackTrue);
    return {
      time: time.toISOString(),
      lat: lat!,
      lon: lon!,
      altitude,
      speed,
      track,
      climb: this.climb(altitude, time),
      mode,
      errorM: null,
      ...sats,
    };
  }

  /** Vertical speed from the previous 3D fix, as gpsd derives it for NMEA. */
  private climb(altitude: number | null, time: Date): number | null {
    const prev = this.lastFix;
    if (altitude === null || !prev || prev.altitude === null || prev.mode === 'none') return null;
    const dt = (time.getTime() - Date.parse(prev.time)) / 1000;
    return dt > 0 && dt <= 10 ? Math.round(((altitude - prev.altitude) / dt) * 1000) / 1000 : null;
  }

  private ggaTime(gga: GGAPacket): Date {
    if (!this.date) return gga.time;
    return new Date(`${this.date}T${gga.time.toISOString().slice(11)}`);
  }
}
