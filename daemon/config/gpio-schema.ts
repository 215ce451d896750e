/**
 * The `gpio` part of the config schema (kept apart so the main schema stays
 * short). Pins are BCM numbers, as on pinout charts; the driver maps them to
 * sysfs numbers (docs/gpio.md). null means "not wired". The defaults avoid
 * I2C (2, 3), the UART a serial GPS uses (14, 15) and PCM/PWM (18-21).
 */
import { z } from 'zod';

const bcmPin = z.number().int().min(0).max(53);
const activeLevel = z.enum(['low', 'high']);

const input = (pin: number, level: 'low' | 'high') =>
  z.strictObject({
      /** BCM number, or null when not wired. */
      pin: bcmPin.nullable().default(pin),
      /** Electrical level that means "pressed" / "ignition on". */
      activeLevel: activeLevel.default(level),
    })
    .prefault({});

export const gpioSchema = z.strictObject({
    /** Which driver runs: onoff (sysfs) or simulated (forced by --simulate). */
    driver: z.enum(['onoff', 'simulated']).default('onoff'),
    /** Momentary button to ground with the internal/external pull-up: active low. */
    button: input(17, 'low'),
    /** Ignition sense through an optocoupler or divider: active high by default. */
    ignition: input(27, 'high'),
    leds: z.strictObject({
        pins: z.strictObject({
            gps: bcmPin.nullable().default(22),
            download: bcmPin.nullable().default(23),
            error: bcmPin.nullable().default(24),
            diskGreen: bcmPin.nullable().default(5),
            diskYellow: bcmPin.nullable().default(6),
            diskRed: bcmPin.nullable().default(13),
          })
          .prefault({}),
        /** high = LED from the pin through a resistor to ground. */
        activeLevel: activeLevel.default('high'),
      })
      .prefault({}),
    /** A level must hold this long to count (contact bounce is a few ms). */
    debounceMs: z.number().int().min(0).max(1000).default(30),
    /** Holding the button this long starts the safe shutdown. */
    longPressMs: z.number().int().min(500).max(60_000).default(3000),
    /** Ignition off for this long starts the safe shutdown; back on earlier cancels it. */
    ignitionGraceMs: z.number().int().min(0).max(3_600_000).default(30_000),
    /** argv of the power-off command. Default: ["systemctl", "poweroff"]; in simulation none (only logged). */
    shutdownCommand: z.array(z.string().min(1)).min(1).optional(),
  })
  .superRefine((g, ctx) => {
    const used = new Map<number, string>();
    const pins: Array<[string[], number | null]> = [
      [['button', 'pin'], g.button.pin],
      [['ignition', 'pin'], g.ignition.pin],
      ...Object.entries(g.leds.pins).map(([k, v]): [string[], number | null] => [['leds', 'pins', k], v]),
    ];
    for (const [path, pin] of pins) {
      if (pin === null) continue;
      const other = used.get(pin);
      if (other) ctx.addIssue({ code: 'custom', path, message: `BCM ${pin} is already used by ${other}` });
      else used.set(pin, path.join('.'));
    }
  });

export type GpioConfig = z.output<typeof gpioSchema>;
