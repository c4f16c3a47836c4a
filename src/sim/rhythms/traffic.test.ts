/** Unit tests of the traffic rhythm: BPR speed–flow curve, rain, demand profiles. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RoadSegment } from '../model.ts';
import { bpr, DEMAND_PROFILE, rainEffect, trafficReading } from './traffic.ts';

const road: RoadSegment = {
  index: 0,
  id: 'urn:ngsi-ld:RoadSegment:hz-road-1',
  name: '延安路（解放路—庆春路）',
  district: 'shangcheng',
  roadClass: 'arterial',
  lanes: 3,
  speedLimit: 50,
  capacity: 2400,
  length: 900,
  coordinates: [
    [120.16, 30.25],
    [120.16, 30.26],
  ],
  baseDemand: 1000,
  tidal: 1,
  upstream: -1,
  twin: 1,
};

describe('traffic on a road segment', () => {
  it('follows the BPR curve: 15 % slower at capacity', () => {
    assert.equal(bpr(0), 1);
    assert.ok(Math.abs(bpr(1) - 1.15) < 1e-9);
    assert.ok(Math.abs(bpr(2) - 3.4) < 1e-9);
  });

  it('gets slower as flow nears and passes capacity', () => {
    const speeds = [0.2, 0.6, 0.9, 1.1, 1.4].map((x) => trafficReading(road, x * road.capacity, 1, 1, 0).averageVehicleSpeed);
    for (let i = 1; i < speeds.length; i++) assert.ok(speeds[i]! < speeds[i - 1]!, `speeds ${speeds.join(', ')}`);
  });

  it('never lets more than capacity through, and marks heavy congestion as congested', () => {
    const jammed = trafficReading(road, 2 * road.capacity, 1, 1, 0);
    assert.ok(jammed.intensity <= road.capacity);
    assert.ok(jammed.congested);
    assert.ok(jammed.congestionIndex >= 1.5);
    assert.ok(!trafficReading(road, 0.3 * road.capacity, 1, 1, 0).congested);
  });

  it('slows traffic in the rain at the same demand', () => {
    const rain = rainEffect(6);
    const dry = trafficReading(road, 2000, 1, 1, 0);
    const wet = trafficReading(road, 2000 * rain.demand, rain.capacity, rain.speed, 0);
    assert.ok(wet.averageVehicleSpeed < dry.averageVehicleSpeed);
    assert.ok(wet.congestionIndex > dry.congestionIndex);
  });

  it('has a mean weekday demand of 1 and lower weekend and holiday means', () => {
    const avg = (p: Float64Array) => p.reduce((s, v) => s + v, 0) / p.length;
    assert.ok(Math.abs(avg(DEMAND_PROFILE.workday) - 1) < 0.01);
    assert.ok(avg(DEMAND_PROFILE.weekend) < 0.9);
    assert.ok(avg(DEMAND_PROFILE.holiday) < avg(DEMAND_PROFILE.weekend));
  });
});
