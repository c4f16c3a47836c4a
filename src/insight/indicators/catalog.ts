/** The indicator catalogue: each indicator's id, bilingual name and a definition a person can read (formula, source, unit, standard). */
import type { IndicatorDefinition } from '../model.ts';

export const INDICATORS: IndicatorDefinition[] = [
  {
    id: 'congestion',
    name: { zh: '交通拥堵指数', en: 'Congestion index' },
    definition: {
      zh: '实际行程时间与自由流行程时间之比（≥ 1，1 表示畅通，1.5 以上为拥堵），按流量 × 路段长度（车公里）加权平均。数据来源：路段检测器 TrafficFlowObserved 的 congestionIndex 与 intensity，每小时取均值。',
      en: 'Travel time over free-flow travel time (≥ 1; 1 is free flow, 1.5 and above is congested), averaged with weights flow × segment length (vehicle-km). Source: the congestionIndex and intensity of TrafficFlowObserved road detectors, hourly means.',
    },
    unit: '',
    scopes: ['road', 'district', 'city'],
    audiences: ['government', 'livelihood'],
  },
  {
    id: 'speed',
    name: { zh: '平均车速', en: 'Average speed' },
    definition: {
      zh: '路段检测器 averageVehicleSpeed 的小时均值，按流量 × 路段长度加权。单位：千米/小时。',
      en: 'Hourly mean of the road detectors’ averageVehicleSpeed, weighted by flow × segment length. Unit: km/h.',
    },
    unit: 'KMH',
    scopes: ['road', 'district', 'city'],
    audiences: ['government', 'livelihood'],
  },
  {
    id: 'aqi',
    name: { zh: '空气质量指数（AQI）', en: 'Air quality index (AQI)' },
    definition: {
      zh: '按 HJ 633-2012《环境空气质量指数（AQI）技术规定》：各污染物浓度在分指数浓度限值表中线性插值得空气质量分指数 IAQI（进位取整），AQI 取各 IAQI 最大值；AQI > 50 时 IAQI 最大者为首要污染物；级别 1–6：优、良、轻度污染、中度污染、重度污染、严重污染。小时值用 SO2、NO2、CO、O3 的 1 小时浓度和 PM2.5、PM10 的小时均值（套用 24 小时限值）。数据来源：空气质量监测站 AirQualityObserved；城市值为各站小时浓度均值的 AQI。',
      en: 'Per HJ 633-2012: each pollutant’s concentration is interpolated linearly in the breakpoint table to an individual index IAQI (rounded up); AQI is the largest IAQI; above 50 the pollutant(s) with that IAQI are primary; levels 1–6: excellent, good, lightly, moderately, heavily, severely polluted. Hourly values use 1-hour SO2, NO2, CO, O3 and the hourly mean of PM2.5 and PM10 on their 24-hour table. Source: AirQualityObserved stations; the city value is the AQI of the stations’ mean hourly concentrations.',
    },
    unit: '',
    scopes: ['station', 'district', 'city'],
    audiences: ['government', 'livelihood'],
  },
  {
    id: 'noiseExceedance',
    name: { zh: '噪声超标率', en: 'Noise exceedance' },
    definition: {
      zh: '等效声级 LAeq 小时值（能量平均）超过 GB 3096-2008《声环境质量标准》所在声环境功能区限值的小时占比；昼间 06–22 时、夜间 22–06 时限值不同。功能区：距快速路或主干道 50 米内为 4a 类（昼 70 / 夜 55 dB(A)），农村地区 1 类（55/45），其余 2 类（60/50）。数据来源：噪声监测点 NoiseLevelObserved。',
      en: 'Share of hours whose LAeq (energy mean) is above the GB 3096-2008 limit of the meter’s zone; day 06–22 and night 22–06 limits differ. Zones: within 50 m of an expressway or arterial 4a (day 70 / night 55 dB(A)), rural 1 (55/45), elsewhere 2 (60/50). Source: NoiseLevelObserved meters.',
    },
    unit: 'C62',
    scopes: ['station', 'district', 'city'],
    audiences: ['government', 'livelihood'],
  },
  {
    id: 'parkingOccupancy',
    name: { zh: '停车场占用率', en: 'Car-park occupancy' },
    definition: {
      zh: '已占用车位之和 ÷ 总车位之和（0–1），小时均值。数据来源：OffStreetParking 的 totalSpotNumber 与 availableSpotNumber。',
      en: 'Spots taken summed over total spots summed (0–1), hourly mean. Source: totalSpotNumber and availableSpotNumber of OffStreetParking.',
    },
    unit: 'C62',
    scopes: ['district', 'city'],
    audiences: ['industry', 'livelihood'],
  },
  {
    id: 'hospitalLoad',
    name: { zh: '医院负荷', en: 'Hospital load' },
    definition: {
      zh: '床位占用率：已占用床位之和 ÷ 总床位之和（0–1）；另给出急诊负荷（候诊人数 ÷ 急诊接待能力，按床位加权）。数据来源：Hospital 实体的 totalBeds、availableBeds、emergencyLoad、emergencyWaiting。',
      en: 'Bed occupancy: beds taken summed over beds summed (0–1); with the emergency load (waiting patients over the emergency room’s capacity, weighted by beds). Source: totalBeds, availableBeds, emergencyLoad, emergencyWaiting of Hospital entities.',
    },
    unit: 'C62',
    scopes: ['district', 'city'],
    audiences: ['government', 'livelihood'],
  },
  {
    id: 'opinionVolume',
    name: { zh: '舆情量', en: 'Opinion volume' },
    definition: {
      zh: '每小时公众舆情帖子（PublicOpinionPost）数量，按话题（交通、环境、医疗、安全、服务、住房）和区县统计。',
      en: 'Public-opinion posts (PublicOpinionPost) per hour, by topic (traffic, environment, health, safety, services, housing) and district.',
    },
    unit: '',
    scopes: ['topic', 'district', 'city'],
    audiences: ['government'],
  },
  {
    id: 'opinionSentiment',
    name: { zh: '舆情情感', en: 'Opinion sentiment' },
    definition: {
      zh: '帖子情感得分均值（−1 负面 … 1 正面）。得分来自项目自带的中文情感词典：最长匹配分词，否定词（不、没、未、别…）反转，程度词（很、非常、太、有点…）加权，转折（但是、不过）后半句加重，疑问句减弱；在 215 句人工标注的城市生活语句上准确率 0.97。',
      en: 'Mean post sentiment (−1 negative … 1 positive), from the project’s Chinese lexicon: longest-match segmentation, negation (不, 没, 未, 别…) flips, degree words (很, 非常, 太, 有点…) scale, the clause after a contrast (但是, 不过) counts more, questions are damped; accuracy 0.97 on 215 hand-labelled city-life sentences.',
    },
    unit: '',
    scopes: ['topic', 'district', 'city'],
    audiences: ['government'],
  },
  {
    id: 'requestVolume',
    name: { zh: '市民诉求量', en: 'Citizen requests filed' },
    definition: {
      zh: '该小时内提交的市民诉求（投诉、报修、咨询）条数。某区近 3 小时的诉求量达到过去 4 周同时段中位数的 3 倍且不少于 5 条时，记为“诉求激增”异常并告警。数据来源：ServiceRequest 实体的 requestedAt、district。',
      en: 'Citizen requests (complaints, repairs, questions) filed in the hour. A district whose last 3 hours reach 3× the median of the same hours over the last 4 weeks (and at least 5) is flagged as a surge and alarmed. Source: requestedAt, district of ServiceRequest entities.',
    },
    unit: '',
    scopes: ['district', 'city'],
    audiences: ['government', 'livelihood'],
  },
  {
    id: 'requestResponse',
    name: { zh: '诉求及时响应率', en: 'Request response rate' },
    definition: {
      zh: '在响应时限（服务类别的响应小时数，默认 24 小时）内被受理的市民诉求占比（只计已受理或已超过响应时限的诉求）。数据来源：ServiceRequest 实体的 status、requestedAt、updatedAt。',
      en: 'Share of citizen requests acknowledged within the response time (the category’s response hours, 24 by default), among those acknowledged or past it. Source: status, requestedAt, updatedAt of ServiceRequest entities.',
    },
    unit: 'C62',
    scopes: ['district', 'city'],
    audiences: ['government', 'livelihood'],
  },
  {
    id: 'requestResolution',
    name: { zh: '诉求按时办结率', en: 'Request resolution rate' },
    definition: {
      zh: '在办结时限（dueAt）前办结（fixed / closed）的诉求占比（只计已办结或已过时限的诉求）。数据来源：ServiceRequest 实体的 status、dueAt、updatedAt。',
      en: 'Share of requests closed (fixed / closed) by their due time, among those closed or past due. Source: status, dueAt, updatedAt of ServiceRequest entities.',
    },
    unit: 'C62',
    scopes: ['district', 'city'],
    audiences: ['government', 'livelihood'],
  },
  {
    id: 'requestSatisfaction',
    name: { zh: '诉求满意度', en: 'Request satisfaction' },
    definition: {
      zh: '市民对已办结诉求评分（1–5 分）的平均值。数据来源：ServiceRequest 实体的 rating。',
      en: 'Mean rating (1–5) citizens gave to their closed requests. Source: rating of ServiceRequest entities.',
    },
    unit: '',
    scopes: ['district', 'city'],
    audiences: ['government', 'livelihood'],
  },
];

export function indicatorById(id: string): IndicatorDefinition | undefined {
  return INDICATORS.find((i) => i.id === id);
}
