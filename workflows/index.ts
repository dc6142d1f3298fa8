// The workflow bundle's entry point: every workflow type the worker registers.
export { release } from './release';
export { waveRelease } from './wave-release';
export { scheduledRelease } from './scheduled';
export { repair, observeTraffic } from './repair';
export { releaseNotifier } from './notifier-workflow';
export { route53Batcher } from './routing/route53-batcher';
