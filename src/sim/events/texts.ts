/** Chinese texts for citizen reports and public-opinion posts, picked by seeded draws. */

export type Topic = 'traffic' | 'environment' | 'health' | 'safety' | 'services' | 'housing';

export const TOPICS: readonly Topic[] = ['traffic', 'environment', 'health', 'safety', 'services', 'housing'];

/** Everyday posts: [positive-ish, neutral, negative-ish] per topic; `{d}` is the district, `{p}` a place. */
export const EVERYDAY_POSTS: Record<Topic, [string[], string[], string[]]> = {
  traffic: [
    ['今天{p}一路绿灯，通勤只用了二十分钟，舒服', '{d}新开的地铁站真方便，点赞'],
    ['{p}附近早高峰车有点多，大家注意错峰', '{d}的公交今天准点'],
    ['{p}又堵成停车场了，每天都这样', '{d}早高峰太难了，半小时挪了两公里', '{p}红绿灯时间设置不合理，排队排到桥上'],
  ],
  environment: [
    ['今天{d}蓝天白云，空气真好', '西湖边空气清新，适合散步'],
    ['{d}今天有点雾，出门注意', '{p}附近的垃圾分类做得还行'],
    ['{d}今天雾霾好重，嗓子难受', '{p}附近工地扬尘太大了'],
  ],
  health: [
    ['{p}附近的社区医院看病很快，医生很耐心', '打了流感疫苗，安心过冬'],
    ['最近流感的人多吗？{d}这边有点咳嗽的', '{d}医院挂号现在要提前预约'],
    ['{p}急诊排队排了三个小时', '孩子发烧，{d}儿科挂不上号'],
  ],
  safety: [
    ['{d}晚上巡逻的民警很多，很有安全感', '小区装了新的门禁，放心多了'],
    ['提醒大家出门关好门窗', '{p}附近的路灯修好了吗'],
    ['{p}附近晚上太黑了，走路害怕', '{d}最近电动车被偷了好几辆'],
  ],
  services: [
    ['在{d}办事大厅办证一次就办好了，效率高', '12345热线回复很快，问题解决了'],
    ['{d}政务服务网上能办的事越来越多了', '{p}的快递驿站搬家了'],
    ['{p}的垃圾好几天没人清运了', '{d}投诉了一周还没人处理'],
  ],
  housing: [
    ['{d}的老旧小区改造完了，加了电梯', '{p}附近新开了人才公寓'],
    ['{d}房租最近有点涨', '{p}附近小区在装充电桩'],
    ['{p}小区物业太差了，楼道灯坏了没人管', '{d}租房太贵了'],
  ],
};

/** Posts after an incident (negative): `{d}` the district, `{p}` the place. */
export const INCIDENT_POSTS: Record<string, { topic: Topic; texts: string[] }> = {
  accident: { topic: 'traffic', texts: ['{p}出车祸了，后面堵了好长，绕行吧', '{d}{p}发生事故，交警已经到了，车辆缓行', '刚路过{p}，两车相撞，堵死了'] },
  fire: { topic: 'safety', texts: ['{p}那边冒黑烟了，好像着火了！', '{d}{p}发生火情，消防车已经来了', '看到好几辆消防车往{p}开，注意安全'] },
  gasLeak: { topic: 'safety', texts: ['{p}小区有燃气泄漏，消防在疏散', '{d}闻到很重的煤气味，已经报警了'] },
  breakIn: { topic: 'safety', texts: ['{p}小区有人家被盗了，大家锁好门', '{d}又有入室盗窃，警察来了好几趟'] },
  pollutionEpisode: { topic: 'environment', texts: ['{d}今天重度污染，能见度很低，出门戴口罩', '又是雾霾天，{d}空气质量指数爆表了', '这几天杭州的雾霾太严重了，孩子都不能出去玩'] },
};

export const REPORT_TEXTS: Record<string, string[]> = {
  pothole: ['{p}路面有个大坑，车开过去很危险', '{p}附近路面塌陷，雨后积水看不清', '{p}机动车道上有坑洼，已经有电动车摔倒'],
  streetlight: ['{p}路灯不亮了，晚上很黑', '{p}附近好几盏路灯坏了', '{p}的路灯一直闪'],
  garbage: ['{p}的垃圾桶满了好几天没人清运', '{p}路边堆了很多垃圾，有异味', '{p}小区门口垃圾没人收'],
  noise: ['{p}工地晚上还在施工，吵得睡不着', '{p}夜间噪声扰民，施工一直到凌晨', '{p}附近的酒吧太吵了', '{p}晚上大货车鸣笛，很吵'],
};

/** `{d}`, `{p}` filled in. */
export function fill(template: string, district: string, place: string): string {
  return template.replaceAll('{d}', district).replaceAll('{p}', place);
}
