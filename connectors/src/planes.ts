import { InputError, NotFoundError, PLANES, type Plane } from '@eucora/core';
import type { PlaneModule } from './plane-module';
import { AWX_PLANE } from './awx/awx.plane';
import { INTUNE_PLANE } from './intune/intune.plane';
import { JAMF_PLANE } from './jamf/jamf.plane';
import { LANDSCAPE_PLANE } from './landscape/landscape.plane';
import { SCCM_PLANE } from './sccm/sccm.plane';

/** Every plane's module, by name (one per entry of core's `PLANES`). */
export const PLANE_MODULES: Readonly<Record<Plane, PlaneModule>> = {
  intune: INTUNE_PLANE,
  jamf: JAMF_PLANE,
  sccm: SCCM_PLANE,
  landscape: LANDSCAPE_PLANE,
  awx: AWX_PLANE,
};

/** True when `name` is a plane EUCORA has a module for. */
export function isPlane(name: string): name is Plane {
  return Object.prototype.hasOwnProperty.call(PLANE_MODULES, name);
}

/** The module of plane `name`; an unknown name is a `NotFoundError` (`Unknown plane "…"`). */
export function planeModule(name: string): PlaneModule {
  if (!isPlane(name)) throw new NotFoundError(`Unknown plane "${name}"`);
  return PLANE_MODULES[name];
}

/** `name` as a plane, or the API's 400 for a `plane` path parameter that names none. */
export function parsePlane(name: string): Plane {
  if (!isPlane(name)) throw new InputError('Unknown plane', [{ path: 'plane', message: `must be one of ${PLANES.join(', ')}` }]);
  return name;
}
