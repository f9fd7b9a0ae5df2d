-- 0026 admin spreads: the back office edits the spreads of 0021 (issue 14 item 1), one audited SQL function like
-- admin_save_package. Only existing spreads are edited (a new spread id would need the agent's reading lengths, see
-- lib/mimi/agent/prompt.py, so new spreads still come by migration): 404 spread_not_found otherwise.
--
-- Editable: name_th, name_en (1 to 100 characters), position_keys (distinct snake_case keys), positions_th,
-- positions_en (1 to 100 characters each), card_count (1 to 10), price (whole credits, 0 to 100: 0 makes a spread
-- free, see submit_reading), active (true/false) and sort_order (-9999 to 9999). After the change the three position
-- arrays must each hold card_count entries. Anything else, a wrong type or an empty change is 422 invalid_spread,
-- and nothing is written. Readings already submitted keep what they spent (their spend op records it).
--
-- The internal spreads `daily` and `follow_up` may change nothing (422 invalid_spread): the card of the day is free
-- by design and a follow-up is priced by app_settings.follow_up_cost, so their `price` is never read, and making
-- either `active` would let submit_reading sell them around their own rules (once a day, a parent reading).

create function private.spread_problem(p_fields jsonb) returns text
language sql immutable
set search_path = ''
as $$
  select case
    when jsonb_typeof(p_fields) is distinct from 'object' or p_fields = '{}'::jsonb
      then 'fields must be an object with at least one field'
    when exists (select 1 from jsonb_object_keys(p_fields) k
                 where k not in ('name_th', 'name_en', 'position_keys', 'positions_th', 'positions_en', 'card_count',
                                 'price', 'active', 'sort_order'))
      then 'only name_th, name_en, position_keys, positions_th, positions_en, card_count, price, active and '
           'sort_order can be set'
    when exists (select 1 from jsonb_each(p_fields) e where e.key in ('name_th', 'name_en')
                 and (jsonb_typeof(e.value) <> 'string' or char_length(trim(e.value #>> '{}')) not between 1 and 100
                      or e.value #>> '{}' ~ '[[:cntrl:]]'))
      then 'name_th and name_en: 1 to 100 characters, no control characters'
    when exists (select 1 from jsonb_each(p_fields) e where e.key in ('position_keys', 'positions_th', 'positions_en')
                 and jsonb_typeof(e.value) <> 'array')
      then 'position_keys, positions_th and positions_en are arrays'
    when exists (select 1 from jsonb_each(p_fields) e, jsonb_array_elements(e.value) p
                 where e.key in ('positions_th', 'positions_en')
                 and (jsonb_typeof(p) <> 'string' or char_length(trim(p #>> '{}')) not between 1 and 100
                      or p #>> '{}' ~ '[[:cntrl:]]'))
      then 'positions_th and positions_en: each position 1 to 100 characters, no control characters'
    when p_fields ? 'position_keys' and (
           exists (select 1 from jsonb_array_elements(p_fields -> 'position_keys') p
                   where jsonb_typeof(p) <> 'string' or p #>> '{}' !~ '^[a-z]+(_[a-z]+)*$'
                      or char_length(p #>> '{}') > 40)
           or (select count(distinct p) <> count(*) from jsonb_array_elements(p_fields -> 'position_keys') p))
      then 'position_keys: distinct snake_case keys of up to 40 characters'
    when p_fields ? 'card_count' and (jsonb_typeof(p_fields -> 'card_count') <> 'number'
      or p_fields ->> 'card_count' !~ '^[0-9]{1,2}$' or (p_fields ->> 'card_count')::integer not between 1 and 10)
      then 'card_count: a whole number from 1 to 10'
    when p_fields ? 'price' and (jsonb_typeof(p_fields -> 'price') <> 'number'
      or p_fields ->> 'price' !~ '^[0-9]{1,3}$' or (p_fields ->> 'price')::integer not between 0 and 100)
      then 'price: a whole number of credits from 0 to 100'
    when p_fields ? 'active' and jsonb_typeof(p_fields -> 'active') <> 'boolean' then 'active is true or false'
    when p_fields ? 'sort_order' and (jsonb_typeof(p_fields -> 'sort_order') <> 'number'
      or p_fields ->> 'sort_order' !~ '^-?[0-9]{1,4}$') then 'sort_order: a whole number from -9999 to 9999'
  end
$$;
revoke execute on function private.spread_problem(jsonb) from public;

create function public.admin_save_spread(p_id text, p_fields jsonb, p_reason text) returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
declare
  admin uuid := private.require_admin();
  reason text := private.admin_reason(p_reason);
  problem text := private.spread_problem(p_fields);
  earlier public.spreads;
  merged public.spreads;
  saved public.spreads;
begin
  select * into earlier from public.spreads where id = p_id for update;
  if not found then
    perform private.fail(404, 'spread_not_found', 'No such spread; GET /functions/admin/catalog lists them.');
  elsif earlier.id in ('daily', 'follow_up') then
    perform private.fail(422, 'invalid_spread', format('%s is an internal spread and cannot be edited '
      '(a follow-up is priced by app_settings.follow_up_cost, the card of the day is free).', earlier.id));
  elsif problem is not null then
    perform private.fail(422, 'invalid_spread', problem);
  end if;
  merged := earlier;
  merged.name_th := coalesce(trim(p_fields ->> 'name_th'), earlier.name_th);
  merged.name_en := coalesce(trim(p_fields ->> 'name_en'), earlier.name_en);
  if p_fields ? 'position_keys' then
    merged.position_keys := array(select jsonb_array_elements_text(p_fields -> 'position_keys'));
  end if;
  if p_fields ? 'positions_th' then
    merged.positions_th := array(select trim(p) from jsonb_array_elements_text(p_fields -> 'positions_th') p);
  end if;
  if p_fields ? 'positions_en' then
    merged.positions_en := array(select trim(p) from jsonb_array_elements_text(p_fields -> 'positions_en') p);
  end if;
  merged.card_count := coalesce((p_fields ->> 'card_count')::integer, earlier.card_count);
  merged.price := coalesce((p_fields ->> 'price')::integer, earlier.price);
  merged.active := coalesce((p_fields ->> 'active')::boolean, earlier.active);
  merged.sort_order := coalesce((p_fields ->> 'sort_order')::integer, earlier.sort_order);
  if cardinality(merged.position_keys) <> merged.card_count or cardinality(merged.positions_th) <> merged.card_count
     or cardinality(merged.positions_en) <> merged.card_count then
    perform private.fail(422, 'invalid_spread', format('position_keys, positions_th and positions_en must each '
      'hold card_count (%s) entries.', merged.card_count));
  end if;
  update public.spreads set
    name_th = merged.name_th, name_en = merged.name_en, position_keys = merged.position_keys,
    positions_th = merged.positions_th, positions_en = merged.positions_en, card_count = merged.card_count,
    price = merged.price, active = merged.active, sort_order = merged.sort_order
  where id = p_id
  returning * into saved;
  perform private.audit(admin, 'update_spread', null, p_id, reason, to_jsonb(earlier), to_jsonb(saved));
  return to_jsonb(saved);
end
$$;
comment on function public.admin_save_spread is
  'Admin: changes some fields of a spread (not daily or follow_up), validated, audited. Readings already '
  'submitted keep what they spent.';
revoke execute on function public.admin_save_spread(text, jsonb, text) from public, anon;
grant execute on function public.admin_save_spread(text, jsonb, text) to authenticated;

-- The catalog lists the spreads too (internal ones included, so the back office shows everything there is).
create or replace function public.admin_catalog() returns jsonb
language plpgsql stable security definer
set search_path = ''
as $$
begin
  perform private.require_admin();
  return jsonb_build_object(
    'settings', coalesce((select jsonb_agg(to_jsonb(s) order by s.key) from public.app_settings s), '[]'::jsonb),
    'packages', coalesce((select jsonb_agg(to_jsonb(k) order by k.sort, k.id) from public.packages k), '[]'::jsonb),
    'spreads', coalesce((select jsonb_agg(to_jsonb(p) order by p.sort_order, p.id) from public.spreads p),
                        '[]'::jsonb));
end
$$;
comment on function public.admin_catalog is
  'Admin: every business setting (with its bounds), every package and every spread.';
