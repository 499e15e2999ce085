-- largest_revisions: the values each published release revised the most in {table}, biggest change first, from the view {table}_revisions (claimwatch/store/views.py; README "The store")
select new_release_id as release_id, old_release_id, {period} as period, {keys} as key_text,
       old_{value} as old_value, new_{value} as new_value
from {table}_revisions
where change = 'revised'
qualify row_number() over (
    partition by new_release_id order by abs(new_{value} - old_{value}) desc, {period}, key_text
) <= $limit
order by release_id, abs(new_{value} - old_{value}) desc, period, key_text
