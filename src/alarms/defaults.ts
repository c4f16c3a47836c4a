/**
 * The Hangzhou rule set and noise policies the alarms service seeds for a new city (杭州默认告警规则与降噪策略).
 * Security sensors raise raw signals; the policies turn the ~1,400 harmless triggers of a week (wind, pets, sunlight,
 * residents coming home, cleaners, cooking fumes) into explained suppressions and keep every real fire, gas leak and
 * break-in. Thresholds follow the simulated signal (src/sim/events/schedule.ts) and common practice: smoke obscuration
 * ≥ 15 %/m for a fire (cooking fumes stay under 12), gas ≥ 150 ppm (sensor drift stays under 100).
 */
import type { AlarmRuleInput, NoisePolicyInput } from './engine/model.ts';

export const DEFAULT_RULES: AlarmRuleInput[] = [
  {
    id: 'hz-smoke-fire',
    name: { zh: '烟感报警：疑似火灾', en: 'Smoke detector: suspected fire' },
    entityType: 'SecuritySensor',
    where: 'sensorKind=="smoke"',
    condition: 'state == "triggered"',
    clear: 'state == "idle"',
    clearFor: 'PT10M',
    alarmType: 'fire',
    category: 'fire',
    severity: 'critical',
    description: { zh: '烟雾报警器触发，烟雾浓度超过火灾阈值', en: 'A smoke detector triggered above the fire threshold' },
  },
  {
    id: 'hz-gas-leak',
    name: { zh: '燃气泄漏', en: 'Gas leak' },
    entityType: 'SecuritySensor',
    where: 'sensorKind=="gas"',
    condition: 'state == "triggered"',
    clear: 'state == "idle"',
    clearFor: 'PT10M',
    alarmType: 'gasLeak',
    category: 'fire',
    severity: 'critical',
    description: { zh: '燃气报警器检测到可燃气体浓度超标', en: 'A gas detector measured a combustible gas concentration above the limit' },
  },
  {
    id: 'hz-entry-opened',
    name: { zh: '门窗开启（布防信号）', en: 'Door or window opened (armed signal)' },
    entityType: 'SecuritySensor',
    where: 'sensorKind=="door"|sensorKind=="window"',
    condition: 'state == "triggered"',
    alarmType: 'entryOpened',
    category: 'security',
    severity: 'major',
  },
  {
    id: 'hz-motion',
    name: { zh: '室内移动侦测（布防信号）', en: 'Motion inside (armed signal)' },
    entityType: 'SecuritySensor',
    where: 'sensorKind=="motion"',
    condition: 'state == "triggered"',
    alarmType: 'motionDetected',
    category: 'security',
    severity: 'major',
  },
  {
    id: 'hz-pm25-high',
    name: { zh: 'PM2.5 重度污染（持续 1 小时）', en: 'PM2.5 heavily polluted for an hour' },
    entityType: 'AirQualityObserved',
    condition: 'pm25 > 150',
    for: 'PT1H',
    clear: 'pm25 < 115',
    clearFor: 'PT30M',
    alarmType: 'airPollution',
    category: 'environment',
    severity: 'minor',
    description: { zh: 'PM2.5 连续 1 小时超过 150 µg/m³（重度污染）', en: 'PM2.5 above 150 µg/m³ (heavy pollution) for an hour' },
  },
  {
    id: 'hz-road-congestion',
    name: { zh: '道路严重拥堵（持续 10 分钟）', en: 'Road severely congested for 10 minutes' },
    entityType: 'TrafficFlowObserved',
    condition: 'congestionIndex >= 2.5',
    for: 'PT10M',
    clear: 'congestionIndex < 2',
    clearFor: 'PT5M',
    alarmType: 'congestion',
    category: 'traffic',
    severity: 'warning',
    description: { zh: '行程时间为自由流的 2.5 倍以上，持续 10 分钟', en: 'Travel time at least 2.5 × free flow for 10 minutes' },
  },
  {
    id: 'hz-hospital-emergency-load',
    name: { zh: '医院急诊超负荷', en: 'Hospital emergency department overloaded' },
    entityType: 'Hospital',
    condition: 'emergencyLoad > 0.9',
    clear: 'emergencyLoad < 0.8',
    alarmType: 'emergencyOverload',
    category: 'health',
    severity: 'major',
    description: { zh: '急诊负荷超过 90%', en: 'Emergency load above 90 %' },
  },
  {
    id: 'hz-car-park-full',
    name: { zh: '停车场已满', en: 'Car park full' },
    entityType: 'OffStreetParking',
    condition: 'availableSpotNumber <= 0 or occupancyRate >= 0.98',
    for: 'PT15M',
    clear: 'occupancyRate < 0.9',
    alarmType: 'carParkFull',
    category: 'traffic',
    severity: 'warning',
    description: { zh: '停车场满位超过 15 分钟，请引导车辆至附近停车场', en: 'Full for 15 minutes: guide drivers to nearby car parks' },
  },
  ...offlineRules(),
  {
    id: 'hz-power-outage',
    name: { zh: '区域停电', en: 'Power outage' },
    entityType: 'PowerOutage',
    condition: 'status == "active"',
    clear: 'status == "restored"',
    alarmType: 'powerOutage',
    category: 'device',
    severity: 'major',
    description: { zh: '电网公司报告区域停电：范围内的传感器将离线', en: 'The grid company reports a power outage: sensors in its area go offline' },
  },
];

/**
 * Device offline (设备离线): the sensors that report every minute (traffic, air, noise, parking, weather) raise when
 * silent for 10 minutes — ten missed readings, well past a late message or two. Security sensors report hourly
 * heartbeats on batteries, so their silence means something else and is not watched here.
 */
function offlineRules(): AlarmRuleInput[] {
  const types: [string, string, string, string][] = [
    ['traffic', 'TrafficFlowObserved', '交通检测器', 'traffic detector'],
    ['air', 'AirQualityObserved', '空气质量监测站', 'air-quality station'],
    ['noise', 'NoiseLevelObserved', '噪声监测仪', 'noise meter'],
    ['parking', 'OffStreetParking', '停车场余位传感器', 'car-park occupancy sensor'],
    ['weather', 'WeatherObserved', '气象站', 'weather station'],
  ];
  return types.map(([key, entityType, zh, en]) => ({
    id: `hz-offline-${key}`,
    name: { zh: `${zh}离线（10 分钟无数据）`, en: `${en[0]?.toUpperCase()}${en.slice(1)} offline (no data for 10 minutes)` },
    entityType,
    silentFor: 'PT10M',
    alarmType: 'deviceOffline',
    category: 'device',
    severity: 'minor' as const,
    description: { zh: `${zh}已 10 分钟未上报数据，请检查供电与通信`, en: `The ${en} has sent nothing for 10 minutes: check its power and link` },
  }));
}

export const DEFAULT_POLICIES: NoisePolicyInput[] = [
  {
    id: 'hz-intrusion-corroboration',
    kind: 'corroborate',
    name: { zh: '入侵需双重佐证：门窗 + 室内移动', en: 'Intrusion needs two kinds of sensor: entry and motion' },
    signalTypes: ['entryOpened', 'motionDetected'],
    sameAs: 'refBuilding',
    within: 'PT5M',
    ordered: true,
    clearAfter: 'PT30M',
    raise: { alarmType: 'intrusion', category: 'security', severity: 'critical' },
    // an intruder moves inside within minutes of the entry (5 min: the slowest seen plus a margin); a later motion is
    // another story (a pet, sunlight). The household came home: the building turned 'home' around the moment the door opened
    expectedWhen: 'refBuilding.occupancyState == "home" and changed(refBuilding.occupancyState, PT3M)',
    expectedReason: { zh: '住户回家（门磁后室内移动，同时楼宇状态变为在家）', en: 'the household came home (door, then motion, as the building turned home)' },
  },
  {
    id: 'hz-cooking-fumes',
    kind: 'suppressWhen',
    name: { zh: '烹饪油烟', en: 'Cooking fumes' },
    signalTypes: ['fire'],
    condition: 'value < 15',
    reason: { zh: '烟雾浓度低于火灾阈值（15%/m），判定为烹饪油烟', en: 'smoke below the fire threshold (15 %/m): cooking fumes' },
  },
  {
    id: 'hz-gas-drift',
    kind: 'suppressWhen',
    name: { zh: '燃气传感器漂移', en: 'Gas sensor drift' },
    signalTypes: ['gasLeak'],
    condition: 'value < 150',
    reason: { zh: '燃气浓度低于 150 ppm，判定为传感器漂移', en: 'gas under 150 ppm: sensor drift' },
  },
  {
    id: 'hz-wind-windows',
    kind: 'suppressWhen',
    name: { zh: '大风吹动窗磁', en: 'Wind rattling windows' },
    signalTypes: ['entryOpened'],
    condition: 'sensorKind == "window" and nearest(WeatherObserved).windSpeed > 5',
    reason: { zh: '风速超过 5 m/s，窗磁单独触发，判定为大风', en: 'wind above 5 m/s and only the window sensor triggered: wind' },
  },
  {
    id: 'hz-pets-sunlight',
    kind: 'suppressWhen',
    name: { zh: '宠物或阳光引起的移动侦测', en: 'Motion from pets or sunlight' },
    signalTypes: ['motionDetected'],
    condition: 'refBuilding.occupancyState in ("away", "night")',
    reason: { zh: '无人在家时仅有室内移动、无门窗开启：宠物、阳光或保洁', en: 'motion alone while nobody is home, no door or window opened: a pet, sunlight or a cleaner' },
  },
  {
    id: 'hz-fire-inhibits-intrusion',
    kind: 'inhibit',
    name: { zh: '火警时抑制同楼入侵告警（消防人员进入）', en: 'A fire inhibits intrusion alarms next to it (firefighters going in)' },
    source: ['fire', 'gasLeak'],
    targets: ['intrusion'],
    scope: { radiusM: 50 },
  },
  {
    id: 'hz-fire-situation',
    kind: 'group',
    name: { zh: '多处火警合并为一个事态', en: 'Several fires close together form one situation' },
    alarmTypes: ['fire', 'gasLeak'],
    radiusM: 500,
    within: 'PT30M',
    minCount: 2,
  },
  {
    id: 'hz-outage-inhibits-offline',
    kind: 'inhibit',
    name: { zh: '停电范围内的设备离线告警由停电告警代表', en: 'A power outage stands for the device-offline alarms in its area' },
    source: ['powerOutage'],
    targets: ['deviceOffline'],
    // the outage entity's own radius (m); 3 km, the largest the grid reports, when it has none
    scope: { radiusFrom: 'radius', radiusM: 3000 },
    // devices come back within a minute or two of the power: only those still silent after 5 minutes raise
    releaseAfter: 'PT5M',
  },
];

/** Alarm types raised from security sensors (operator-visible security alarms; the evaluation's precision counts these). */
export const SECURITY_ALARM_TYPES = ['fire', 'gasLeak', 'intrusion'] as const;

/** Alarm types about the sensors themselves (the evaluation's devices section). */
export const DEVICE_ALARM_TYPES = ['deviceOffline', 'powerOutage'] as const;
