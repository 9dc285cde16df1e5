// The tests find free ports the way the scripts do (scripts/free-port.ts).
export { freePort, freePortRun } from '../../scripts/free-port';
