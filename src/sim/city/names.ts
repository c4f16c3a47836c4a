/** Place names of the simulated Hangzhou: real street, hospital and landmark names, placed approximately. */
import type { DistrictCharacter, DistrictId } from '../model.ts';

export interface DistrictPlan {
  id: DistrictId;
  name: string;
  character: DistrictCharacter;
  /** [lon, lat] of the urban centre where the street grid is laid (approximate). */
  centre: [number, number];
  /** east–west streets, the first ones the main roads; a name with 高架/快速路 is an expressway */
  eastWest: string[];
  northSouth: string[];
  /** for grids larger than the name lists: 科技一路, 科技二路… */
  extraPrefix: string;
  landmarks: string[];
  compounds: string[];
}

export const DISTRICT_PLANS: readonly DistrictPlan[] = [
  {
    id: 'shangcheng',
    name: '上城区',
    character: 'core',
    centre: [120.2, 30.26],
    eastWest: ['解放路', '庆春路', '凤起路', '清泰街', '望江路', '婺江路', '秋涛路'],
    northSouth: ['中河高架', '延安路', '建国路', '环城东路', '江城路', '富春路', '钱江路'],
    extraPrefix: '望江',
    landmarks: ['湖滨银泰', '杭州城站', '来福士广场', '万象城', '吴山广场', '杭州东站'],
    compounds: ['南肖埠', '景芳', '采荷', '清波', '紫阳', '四季青'],
  },
  {
    id: 'gongshu',
    name: '拱墅区',
    character: 'core',
    centre: [120.15, 30.34],
    eastWest: ['德胜快速路', '体育场路', '环城北路', '文晖路', '大关路', '石祥路', '登云路'],
    northSouth: ['上塘高架', '莫干山路', '湖墅南路', '东新路', '丽水路', '沈半路', '长城街'],
    extraPrefix: '运河',
    landmarks: ['武林广场', '西湖文化广场', '大悦城', '运河天地', '浙江展览馆', '远洋乐堤港'],
    compounds: ['大关', '和睦', '朝晖', '米市巷', '小河', '湖墅'],
  },
  {
    id: 'xihu',
    name: '西湖区',
    character: 'core',
    centre: [120.11, 30.28],
    eastWest: ['天目山路', '文一路', '文二路', '文三路', '西溪路', '余杭塘路', '留和路'],
    northSouth: ['留石快速路', '古墩路', '学院路', '教工路', '丰潭路', '紫金港路', '保俶路'],
    extraPrefix: '西溪',
    landmarks: ['黄龙体育中心', '西溪印象城', '文三数字街区', '杭州植物园', '浙大紫金港', '龙湖天街'],
    compounds: ['翠苑', '文鼎苑', '蒋村花园', '嘉绿苑', '骆家庄', '北山'],
  },
  {
    id: 'binjiang',
    name: '滨江区',
    character: 'business',
    centre: [120.2, 30.2],
    eastWest: ['江南大道', '滨盛路', '滨文路', '滨安路', '江晖路', '江虹路', '南环路'],
    northSouth: ['时代大道', '江陵路', '长河路', '西兴路', '东信大道', '六和路', '聚才路'],
    extraPrefix: '科技',
    landmarks: ['星光大道', '宝龙城', '龙湖滨江天街', '奥体中心', '物联网街', '江南星座'],
    compounds: ['滨江花园', '钱塘春晓', '东方郡', '海威新界', '白金海岸', '江南之星'],
  },
  {
    id: 'xiaoshan',
    name: '萧山区',
    character: 'suburban',
    centre: [120.27, 30.17],
    eastWest: ['金城路', '人民路', '建设一路', '建设三路', '鸿宁路', '萧绍路', '育才路'],
    northSouth: ['市心路', '通惠路', '博学路', '工人路', '山阴路', '振宁路', '晨晖路'],
    extraPrefix: '湘湖',
    landmarks: ['萧山国际机场', '杭州南站', '湘湖', '银隆百货', '萧山万象汇', '宝龙广场'],
    compounds: ['城厢', '北干', '新塘', '宁围', '湘湖人家', '金色钱塘'],
  },
  {
    id: 'yuhang',
    name: '余杭区',
    character: 'suburban',
    centre: [120.0, 30.29],
    eastWest: ['文一西路', '龙舟路', '高教路', '荆长大道', '仓前街', '联胜路', '宣杭路'],
    northSouth: ['五常大道', '良睦路', '常二路', '绿汀路', '葛巷路', '海曙路', '向往街'],
    extraPrefix: '创新',
    landmarks: ['未来科技城', '梦想小镇', '阿里巴巴西溪园区', '海创园', '西溪湿地', '良渚古城'],
    compounds: ['五常', '仓前', '闲林', '良渚文化村', '未来城', '西溪北苑'],
  },
  {
    id: 'linping',
    name: '临平区',
    character: 'suburban',
    centre: [120.3, 30.42],
    eastWest: ['临平大道', '世纪大道', '藕花洲大街', '人民大道', '南苑街', '北沙路', '望梅路'],
    northSouth: ['星桥路', '迎宾路', '荷花塘路', '东湖路', '西大街', '新丰路', '超山路'],
    extraPrefix: '临东',
    landmarks: ['临平银泰城', '临平公园', '超山', '杭州北站', '临平万达', '乔司'],
    compounds: ['临平新城', '星桥', '南苑', '东湖', '乔司', '塘栖'],
  },
  {
    id: 'qiantang',
    name: '钱塘区',
    character: 'suburban',
    centre: [120.38, 30.3],
    eastWest: ['学林街', '文泽路', '文渊路', '金沙大道', '义蓬路', '海达北路', '青六路'],
    northSouth: ['下沙路', '文海南路', '江东大道', '白杨街道路', '学源街', '幸福南路', '海天路'],
    extraPrefix: '江东',
    landmarks: ['下沙高教园', '金沙湖', '杭州东站东广场', '龙湖金沙天街', '下沙奥特莱斯', '大江东'],
    compounds: ['下沙', '白杨', '金沙湖', '义蓬', '河庄', '前进'],
  },
  {
    id: 'fuyang',
    name: '富阳区',
    character: 'rural',
    centre: [119.96, 30.05],
    eastWest: ['江滨西大道', '富春街', '北环路', '文教路', '恩波大道', '金平路', '秋月路'],
    northSouth: ['金桥北路', '迎宾北路', '桂花西路', '大桥路', '孙权路', '江滨东路', '新登路'],
    extraPrefix: '富春',
    landmarks: ['富春江', '富阳银泰', '鹳山公园', '东吴公园', '富阳体育中心', '银湖'],
    compounds: ['富春', '东洲', '银湖', '鹿山', '春江', '新登'],
  },
  {
    id: 'linan',
    name: '临安区',
    character: 'rural',
    centre: [119.72, 30.23],
    eastWest: ['钱王街', '衣锦街', '石镜街', '苕溪北街', '吴越街', '天目路', '锦城街'],
    northSouth: ['万马路', '城中街', '锦北路', '农林大路', '青山湖街', '科技大道', '锦南路'],
    extraPrefix: '青山',
    landmarks: ['青山湖', '钱王陵园', '临安万华广场', '浙江农林大学', '天目山', '锦城'],
    compounds: ['锦城', '锦北', '玲珑', '青山湖', '锦南', '板桥'],
  },
];

export const CHINESE_NUMERALS = ['一', '二', '三', '四', '五', '六', '七', '八', '九', '十', '十一', '十二', '十三', '十四', '十五', '十六'];

/** Hospitals with their real names, placed approximately in their districts. */
export const HOSPITALS: readonly { name: string; district: DistrictId; beds: number }[] = [
  { name: '浙江大学医学院附属第一医院', district: 'shangcheng', beds: 2500 },
  { name: '浙江省人民医院', district: 'gongshu', beds: 2200 },
  { name: '浙江大学医学院附属第二医院', district: 'shangcheng', beds: 2400 },
  { name: '浙江大学医学院附属邵逸夫医院', district: 'shangcheng', beds: 1800 },
  { name: '杭州市第一人民医院', district: 'shangcheng', beds: 1600 },
  { name: '浙江省中医院', district: 'shangcheng', beds: 1200 },
  { name: '浙江大学医学院附属儿童医院', district: 'binjiang', beds: 1900 },
  { name: '杭州市中医院', district: 'xihu', beds: 1100 },
  { name: '浙江省肿瘤医院', district: 'gongshu', beds: 1500 },
  { name: '杭州市萧山区第一人民医院', district: 'xiaoshan', beds: 1300 },
  { name: '杭州市余杭区第一人民医院', district: 'yuhang', beds: 1100 },
  { name: '杭州市临平区第一人民医院', district: 'linping', beds: 1000 },
  { name: '杭州市富阳区第一人民医院', district: 'fuyang', beds: 1000 },
  { name: '杭州市临安区第一人民医院', district: 'linan', beds: 900 },
  { name: '杭州市钱塘区人民医院', district: 'qiantang', beds: 800 },
  { name: '杭州市西溪医院', district: 'xihu', beds: 800 },
  { name: '杭州市第三人民医院', district: 'shangcheng', beds: 900 },
  { name: '杭州市红十字会医院', district: 'shangcheng', beds: 1000 },
];

/** City-control air monitoring stations (国控点) of Hangzhou, by their usual names. */
export const AIR_STATIONS: readonly { name: string; district: DistrictId }[] = [
  { name: '和睦小学', district: 'gongshu' },
  { name: '朝晖五区', district: 'gongshu' },
  { name: '卧龙桥', district: 'xihu' },
  { name: '西溪', district: 'xihu' },
  { name: '浙江农大', district: 'shangcheng' },
  { name: '滨江', district: 'binjiang' },
  { name: '城厢镇', district: 'xiaoshan' },
  { name: '下沙', district: 'qiantang' },
  { name: '临平镇', district: 'linping' },
  { name: '云栖', district: 'xihu' },
  { name: '富阳', district: 'fuyang' },
  { name: '临安', district: 'linan' },
  { name: '余杭', district: 'yuhang' },
];
