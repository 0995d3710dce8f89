'use strict';
// What the bench sends: a 5-field card form (fake, Luhn-valid test numbers only) and its answers,
// optionally grown by extra text fields of a given length for the payload-size study.

/** "MM/YY" two years ahead, so the expiry always validates. */
function futureExpiry() {
  const d = new Date();
  return `${String(d.getUTCMonth() + 1).padStart(2, '0')}/${String((d.getUTCFullYear() + 2) % 100).padStart(2, '0')}`;
}

function cardForm({ extraFields = 0, fieldChars = 0 } = {}) {
  const fields = [
    { id: 'name', label: 'Name on card', type: 'text', required: true },
    { id: 'pan', label: 'Card number', type: 'card_number', required: true, masked: true },
    { id: 'exp', label: 'Expiry date', type: 'expiry', required: true },
    { id: 'cvv', label: 'Security code', type: 'cvv', required: true },
    { id: 'postcode', label: 'Billing postcode', type: 'text', required: true },
  ];
  for (let i = 1; i <= extraFields; i += 1)
    fields.push({ id: `note${i}`, label: `Note ${i}`, type: 'text', required: false, maxLength: 1000 });
  const values = {
    name: 'Jane Q Cardholder',
    pan: '4111 1111 1111 1111',
    exp: futureExpiry(),
    cvv: '123',
    postcode: 'SW1A 1AA',
  };
  // Varied letters so the payload is not a trivially compressible run.
  const filler = (i) =>
    Array.from({ length: fieldChars }, (_, k) => String.fromCharCode(97 + ((k * 7 + i) % 26))).join('');
  for (let i = 1; i <= extraFields; i += 1) values[`note${i}`] = filler(i);
  return { fields, values };
}

/** The app's `POST /v1/requests` body for the form. `room` varies so rooms are not all one. */
function createBody(form, callbackUrl, room = 'room-1') {
  return {
    kind: 'form',
    roomId: room,
    agentId: 'agent-1',
    visitorToken: 'visitor-1',
    locale: 'en',
    callbackUrl,
    form: { id: 'card', title: 'Card payment', fields: form.fields },
  };
}

module.exports = { cardForm, createBody };
