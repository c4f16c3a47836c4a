/**
 * The response plans (应急预案) of each incident type: steps, who to notify, which units, and the targets.
 * Targets follow the national norms the city's command centre works to: a fire station's area is drawn so an engine
 * reaches its edge within 5 minutes of driving (城市消防站建设标准 建标152), which with turnout and call handling makes
 * 8 minutes from the alarm to the first unit on scene; the operator acknowledges within 60 s.
 */
import type { IncidentType, ResponsePlan } from './model.ts';

const FIRE: ResponsePlan = {
  type: 'fire',
  name: { zh: '火灾', en: 'Fire' },
  autoOpenAlarmTypes: ['fire'],
  defaultSeverity: 'major',
  steps: [
    { id: 'verify', text: { zh: '核实火情（视频、电话回拨）', en: 'Verify the fire (video, call back)' }, targetMinutes: 1 },
    { id: 'dispatch', text: { zh: '调派 2 辆消防车和 1 辆救护车', en: 'Dispatch 2 fire engines and 1 ambulance' }, targetMinutes: 2 },
    {
      id: 'notify',
      text: { zh: '通知所在街道/区和消防救援支队', en: 'Notify the district and the fire and rescue detachment (消防救援支队)' },
      department: 'fire-rescue',
      targetMinutes: 3,
    },
    { id: 'evacuate', text: { zh: '疏散半径 100 米内人员', en: 'Evacuate everyone within 100 m' }, department: 'public-security', targetMinutes: 10 },
    { id: 'confirmOut', text: { zh: '确认明火扑灭、无复燃', en: 'Confirm the fire is out and will not flare up' } },
  ],
  notify: [
    { department: 'district', name: { zh: '所在区、街道', en: 'The district and sub-district office' } },
    { department: 'fire-rescue', name: { zh: '消防救援支队', en: 'Fire and rescue detachment' } },
    { department: 'emergency', name: { zh: '应急管理局', en: 'Emergency Management Bureau' } },
  ],
  units: [
    { vehicleKind: 'fireEngine', count: 2 },
    { vehicleKind: 'ambulance', count: 1 },
  ],
  ackWithinSeconds: 60,
  evacuateRadiusM: 100,
  targets: {
    firstUnitOnSceneMinutes: 8,
    closeReportHours: 24,
    note: { zh: '消防站建设标准：接警后 5 分钟内行车到达辖区边缘', en: 'Fire station standard: 5 min drive to the edge of the station area' },
  },
};

const GAS_LEAK: ResponsePlan = {
  type: 'gasLeak',
  name: { zh: '燃气泄漏', en: 'Gas leak' },
  autoOpenAlarmTypes: ['gasLeak'],
  defaultSeverity: 'major',
  steps: [
    { id: 'verify', text: { zh: '核实泄漏（读数、现场）', en: 'Verify the leak (readings, on site)' }, targetMinutes: 2 },
    { id: 'dispatch', text: { zh: '调派 1 辆消防车', en: 'Dispatch 1 fire engine' }, targetMinutes: 3 },
    { id: 'notifyGas', text: { zh: '通知燃气集团抢修', en: 'Notify the gas company (燃气集团) for repair' }, department: 'gas-company', targetMinutes: 5 },
    { id: 'evacuate', text: { zh: '疏散半径 50 米内人员，禁止明火', en: 'Evacuate within 50 m; no open flames' }, department: 'public-security', targetMinutes: 10 },
    { id: 'shutOff', text: { zh: '关闭燃气阀门', en: 'Shut off the gas supply' }, department: 'gas-company', targetMinutes: 30 },
    { id: 'confirmSafe', text: { zh: '复测浓度，确认安全', en: 'Measure again and confirm it is safe' } },
  ],
  notify: [
    { department: 'gas-company', name: { zh: '燃气集团', en: 'Gas company' } },
    { department: 'emergency', name: { zh: '应急管理局', en: 'Emergency Management Bureau' } },
  ],
  units: [{ vehicleKind: 'fireEngine', count: 1 }],
  ackWithinSeconds: 60,
  evacuateRadiusM: 50,
  targets: { firstUnitOnSceneMinutes: 8, closeReportHours: 24 },
};

const INTRUSION: ResponsePlan = {
  type: 'intrusion',
  name: { zh: '非法入侵', en: 'Intrusion' },
  autoOpenAlarmTypes: ['intrusion', 'breakIn'],
  defaultSeverity: 'major',
  steps: [
    { id: 'verify', text: { zh: '调取视频核实', en: 'Check the cameras' }, targetMinutes: 2 },
    { id: 'dispatch', text: { zh: '调派 2 辆警车', en: 'Dispatch 2 police cars' }, department: 'public-security', targetMinutes: 3 },
    { id: 'contactOwner', text: { zh: '联系业主/物业', en: 'Contact the owner or property manager' }, targetMinutes: 10 },
    { id: 'report', text: { zh: '出警反馈、立案', en: 'Police report back; open a case if needed' } },
  ],
  notify: [{ department: 'public-security', name: { zh: '公安局（属地派出所）', en: 'Public Security Bureau (local station)' } }],
  units: [{ vehicleKind: 'policeCar', count: 2 }],
  ackWithinSeconds: 120,
  evacuateRadiusM: 0,
  targets: { firstUnitOnSceneMinutes: 10, closeReportHours: 24 },
};

const TRAFFIC_ACCIDENT: ResponsePlan = {
  type: 'trafficAccident',
  name: { zh: '交通事故', en: 'Traffic accident' },
  autoOpenAlarmTypes: [],
  defaultSeverity: 'minor',
  steps: [
    { id: 'verify', text: { zh: '核实事故、有无人员受伤', en: 'Verify the accident and whether anyone is injured' }, targetMinutes: 2 },
    { id: 'dispatch', text: { zh: '调派警车；有伤员时加派救护车', en: 'Dispatch a police car; an ambulance too when anyone is injured' }, targetMinutes: 3 },
    { id: 'traffic', text: { zh: '交通管制、发布绕行提示', en: 'Control traffic and publish a detour' }, department: 'transport', targetMinutes: 15 },
    { id: 'clearRoad', text: { zh: '清障、恢复通行', en: 'Clear the road and reopen it' } },
  ],
  notify: [
    { department: 'public-security', name: { zh: '公安交警', en: 'Traffic police' } },
    { department: 'transport', name: { zh: '交通运输局', en: 'Transport Bureau' } },
  ],
  units: [
    { vehicleKind: 'policeCar', count: 1 },
    { vehicleKind: 'ambulance', count: 1, when: { zh: '有人员受伤时', en: 'when anyone is injured' } },
  ],
  ackWithinSeconds: 120,
  evacuateRadiusM: 0,
  targets: { firstUnitOnSceneMinutes: 10, closeReportHours: 24 },
};

const CITIZEN_REPORTS: ResponsePlan = {
  type: 'citizenReports',
  name: { zh: '群众集中反映', en: 'Cluster of citizen reports' },
  autoOpenAlarmTypes: [],
  defaultSeverity: 'warning',
  steps: [
    { id: 'review', text: { zh: '查看同一地点的多条市民反映', en: 'Review the reports from the same place' }, targetMinutes: 15 },
    { id: 'notifyDepartment', text: { zh: '通知受理部门优先处置', en: 'Notify the department the reports are routed to' }, targetMinutes: 30 },
    { id: 'followUp', text: { zh: '跟踪处置结果并回复市民', en: 'Follow up and answer the citizens' } },
  ],
  notify: [{ department: 'routed', name: { zh: '市民反映的受理部门', en: 'The department the reports are routed to' } }],
  units: [],
  ackWithinSeconds: 900,
  evacuateRadiusM: 0,
  targets: { closeReportHours: 72 },
};

const GENERAL: ResponsePlan = {
  type: 'general',
  name: { zh: '一般事件', en: 'General incident' },
  autoOpenAlarmTypes: [],
  defaultSeverity: 'minor',
  steps: [
    { id: 'assess', text: { zh: '研判事件', en: 'Assess the situation' }, targetMinutes: 5 },
    { id: 'act', text: { zh: '按值班长指示处置', en: 'Act as the shift leader directs' } },
  ],
  notify: [],
  units: [],
  ackWithinSeconds: 300,
  evacuateRadiusM: 0,
  targets: {},
};

export const PLANS: Readonly<Record<IncidentType, ResponsePlan>> = {
  fire: FIRE,
  gasLeak: GAS_LEAK,
  intrusion: INTRUSION,
  trafficAccident: TRAFFIC_ACCIDENT,
  citizenReports: CITIZEN_REPORTS,
  general: GENERAL,
};

/** The incident type an alarm type opens by itself, if any. */
export function autoOpenTypeFor(alarmType: string): IncidentType | undefined {
  return (Object.values(PLANS) as ResponsePlan[]).find((plan) => plan.autoOpenAlarmTypes.includes(alarmType))?.type;
}

/** Alerts join an open incident of the same type within this distance instead of opening another. */
export const JOIN_RADIUS_M = 200;
/** Citizen reports: at least this many of one service code within the radius and window open an incident. */
export const REPORT_CLUSTER = { minCount: 3, radiusM: 300, windowMs: 2 * 3_600_000 } as const;
