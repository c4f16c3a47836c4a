/** Indicators (pure): the catalogue and the functions the insight service feeds from the hub. */
export { AQI_CATEGORIES, aqiLevel, BREAKPOINTS, dailyAqi, hourlyAqi, iaqi, type DailyConcentrations, type HourlyConcentrations } from './aqi.ts';
export { INDICATORS, indicatorById } from './catalog.ts';
export { energyMean, isNoiseDay, NOISE_LIMITS, noiseExceedance, noiseLimit, type NoiseZone, noiseZoneOf } from './noise.ts';
export { type OpinionFigure, opinionBy, type PostFacts } from './opinion.ts';
export { type HospitalFigure, hospitalLoad, parkingOccupancy, type RequestFacts, type RequestRates, requestRates, requestsFiled } from './services.ts';
export { evaluateSentiment, segment, sentiment } from './sentiment.ts';
export { type RoadReading, type TrafficFigure, trafficByScope, trafficFigure } from './traffic.ts';
