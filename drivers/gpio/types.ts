/**
 * The GPIO driver boundary: named inputs (button, ignition) reported as
 * logical levels (true = active, after the configured active level), and named
 * outputs (LEDs) set on or off. Debounce and LED patterns live above the
 * driver so they are tested on any machine.
 */
export type GpioInput = 'button' | 'ignition';
/**
 * The disk level is shown on three LEDs (green, yellow, red) like a traffic
 * light, because a single on/off LED cannot show a colour.
 */
export const GPIO_OUTPUTS = ['ledGps', 'ledDownload', 'ledError', 'ledDiskGreen', 'ledDiskYellow', 'ledDiskRed'] as const;
export type GpioOutput = (typeof GPIO_OUTPUTS)[number];

export interface GpioSink {
  input(name: GpioInput, active: boolean): void;
}

export interface GpioStatus {
  available: boolean;
  /** Why not, when unavailable (not a Pi, no permission, no sysfs). */
  reason: string | null;
}

export interface GpioDriver {
  /** Starts watching inputs. Never throws for missing hardware: reports it in status(). */
  start(sink: GpioSink): Promise<void>;
  stop(): Promise<void>;
  status(): GpioStatus;
  /** Current logical level of an input, or null when unknown. */
  read(name: GpioInput): boolean | null;
  write(name: GpioOutput, on: boolean): void;
}
