/** Moderation: personal data masked in the public view; HTML refused but a lone "<" allowed. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { containsMarkup, MASKS, maskPersonalData } from './moderation.ts';

describe('moderation', () => {
  test('mobile numbers, with or without +86 and spaces, are masked', () => {
    assert.equal(maskPersonalData('请联系13812345678'), `请联系${MASKS.phone}`);
    assert.equal(maskPersonalData('电话 +86 138 1234 5678 谢谢'), `电话 ${MASKS.phone} 谢谢`);
    assert.equal(maskPersonalData('call 0086-15912345678'), `call ${MASKS.phone}`);
  });

  test('landlines, ID-card numbers and e-mail addresses are masked', () => {
    assert.equal(maskPersonalData('座机0571-87654321'), `座机${MASKS.phone}`);
    assert.equal(maskPersonalData('身份证330106199001011234'), `身份证${MASKS.idCard}`);
    assert.equal(maskPersonalData('身份证 33010619900101123X 号'), `身份证 ${MASKS.idCard} 号`);
    assert.equal(maskPersonalData('邮箱 li.lei@example.com.cn'), `邮箱 ${MASKS.email}`);
  });

  test('ordinary numbers stay: house numbers, depths, dates, plates', () => {
    const text = '文三路 478 号门口，坑深 12 厘米，2025年5月1日发现，车牌浙A12345';
    assert.equal(maskPersonalData(text), text);
  });

  test('tags are markup, a lone "<" is not', () => {
    assert.ok(containsMarkup('<script>alert(1)</script>'));
    assert.ok(containsMarkup('看这里 <img src=x onerror=alert(1)>'));
    assert.ok(containsMarkup('</b>'));
    assert.ok(!containsMarkup('我爱杭州 <3'));
    assert.ok(!containsMarkup('深度 < 5 厘米'));
    // A browser starts a tag only at "<" followed directly by a letter: "a < b" is text.
    assert.ok(!containsMarkup('a < b 的车道更窄'));
  });
});
