/**
 * POST /api/debug/gpio {"input": "button"|"ignition", "active": bool}: drives
 * the simulated GPIO's inputs through HTTP, so simulation mode and end-to-end
 * tests can press the button or switch the ignition off. Registered only with
 * debug.testHooks and the simulated driver; real pins are never driven.
 */
import { z } from 'zod';
import type { ApiRouter } from '../http.js';
import type { GpioDriver } from '../../drivers/gpio/types.js';
import { SimulatedGpio } from '../../drivers/gpio/simulated.js';

const body = z.strictObject({
  input: z.enum(['button', 'ignition']),
  active: z.boolean(),
});

export function registerGpioDebugApi(router: ApiRouter, driver: GpioDriver, opts: { testHooks: boolean }): void {
  if (!opts.testHooks || !(driver instanceof SimulatedGpio)) return;
  router.route(
    'post',
    '/api/debug/gpio',
    ({ body: b }) => {
      driver.set(b.input, b.active);
      return { body: { input: b.input, active: b.active } };
    },
    body,
  );
}
