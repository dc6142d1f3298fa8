// Typed search attributes: the Web UI and `bluegreen list` filter releases by them.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const serviceKey = defineSearchAttributeKey('BlueGreenService', SearchAttributeType.KEYWORD);
export const versionKey = defineSearchAttributeKey('BlueGreenVersion', SearchAttributeType.KEYWORD);
export const phaseKey = defineSearchAttributeKey('BlueGreenPhase', SearchAttributeType.KEYWORD);
export const recordKey = defineSearchAttributeKey('BlueGreenRecord', SearchAttributeType.KEYWORD);

export const allSearchAttributeKeys = [serviceKey, versionKey, phaseKey, recordKey];
