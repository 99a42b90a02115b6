# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: pim_compliance_report
short_description: Write PIM compliance reports as JSON, Markdown, HTML and JUnit XML on the controller
version_added: 0.1.0
description:
  - Renders a list of tenant compliance reports (the output of the P(entra.pim.pim_compliance_evaluate#filter)
    filter, one per tenant) as JSON, Markdown, a self-contained HTML page and JUnit XML, and writes them as
    C(<basename>.json), C(<basename>.md), C(<basename>.html) and C(<basename>.xml) into O(dest).
  - Runs on the controller as an action plugin and starts no module process, whatever the task's host and
    connection; the files are always written on the controller.
  - Uses the same renderers as the filters P(entra.pim.pim_compliance_markdown#filter),
    P(entra.pim.pim_compliance_html#filter) and P(entra.pim.pim_compliance_junit#filter); the JSON is
    C(to_nice_json(indent=2)) with a final newline.
  - A file is rewritten only when its content differs, atomically (a reader never sees half a report).
  - Safe when several forks, or several playbook runs, write into the same directory at once, also one that does
    not exist yet. Each file is written to a uniquely named temporary file in O(dest) and renamed over the
    report, so the last writer's report is there, complete.
  - A symbolic link at a report's name is replaced by the report, never followed.
  - Every name read from a tenant is inert text in every format. Control characters are replaced (XML 1.0 cannot
    carry them), HTML and XML are escaped, and Markdown syntax is backslash-escaped. The JSON keeps the exact
    values, escaped as JSON.
  - The HTML and Markdown are rendered from Jinja2 templates shipped in the collection
    (C(roles/compliance/templates/pim_compliance_report.html.j2) and C(.md.j2)); O(html_template) and
    O(markdown_template) take a restyled copy. The renderer escapes every expression, whichever template it is.
  - The HTML matrix lists the tenants with the most failing controls first, counts the tenants failing each control,
    keeps its header row and tenant column in view while scrolling, and keeps every finding collapsed until opened.
  - With O(previous), the reports say what changed since the previous scan, tenant by tenant. The JSON carries it
    under each tenant's C(changes) key, the HTML at the top, the Markdown before the matrix; JUnit stays the current
    state.
author:
  - entra.pim contributors (@entra-pim)
attributes:
  action:
    support: full
    description: Implemented as an action plugin that runs on the controller.
  async:
    support: none
    description: Writing a few files takes no time worth running in the background.
  bypass_host_loop:
    support: none
    description: Runs once per host, like any module; use C(run_once) for a roll-up of every host.
  check_mode:
    support: full
    description:
      - In check mode nothing is written and C(changed) says whether a file would change or O(dest) would be
        created.
      - "The compliance role runs this task with C(check_mode: false), so that a check-mode scan still leaves its
        reports, as M(ansible.builtin.template) does with C(check_mode: false): reports are local artefacts of the
        scan, not changes to a tenant."
  diff_mode:
    support: none
    description: Reports carry the time they were generated, so a diff would show every file changing.
  platform:
    support: full
    platforms: posix
    description: The controller.
options:
  reports:
    description:
      - The tenant reports, one per tenant, as returned by the P(entra.pim.pim_compliance_evaluate#filter) filter.
      - One report for a tenant's own files, every tenant's for the roll-up.
    type: list
    elements: dict
    required: true
  dest:
    description:
      - The directory on the controller to write into. It is created, with its missing parents, when missing.
      - An existing directory, or the directory a symbolic link points to, is used as it is. Its mode is never
        changed, in check mode or not.
    type: path
    required: true
  basename:
    description:
      - The name of the files without extension, for example the tenant id or V(all-tenants).
    type: str
    required: true
  formats:
    description:
      - Which reports to write. V(json) is C(<basename>.json), V(markdown) C(<basename>.md), V(html)
        C(<basename>.html), V(junit) C(<basename>.xml).
    type: list
    elements: str
    choices: [json, markdown, html, junit]
    default: [json, markdown, html, junit]
  mode:
    description:
      - The octal mode of each report file, set whatever the umask.
    type: raw
    default: "0640"
  directory_mode:
    description:
      - The octal mode of the directories this task creates (O(dest) and its missing parents), set whatever the
        umask.
      - An existing directory keeps its mode. It may be shared, for example a C(1777) directory, or belong to
        someone else.
    type: raw
    default: "0750"
  previous:
    description:
      - The previous scan, to compare with. The path of its JSON report (a list of tenant reports, as this task writes
        it), the path of its report folder, the reports themselves, or an AWX job's artifacts (the
        C(entra_pim_compliance) mapping of tenant id to C(tenant), C(failed) and C(generated)).
      - From a folder, with O(gone_tenants=false), each tenant's own C(<tenant id>.json) when every one is there;
        otherwise C(all-tenants.json), or else every C(*.json) in it. The folder may be O(dest), since the files are
        read before they are rewritten.
      - "Per tenant: controls that newly fail or newly pass, standing privileged assignments (MS.AAD.7.4's failing or
        exempt findings: permanent active assignments to highly privileged roles) added or removed, and whether the
        tenant is new. Artifacts carry no findings: the assignments are then reported as unknown."
      - A path where nothing is compares with nothing, with a warning (a first scan).
    type: raw
  gone_tenants:
    description:
      - Report the tenants of the previous scan missing from O(reports). Set V(false) for a report of some tenants
        only (one tenant's own report), where every other tenant would otherwise count as gone.
    type: bool
    default: true
  html_template:
    description:
      - The path of a Jinja2 template to render the HTML report with instead of the collection's; start from a copy
        of C(roles/compliance/templates/pim_compliance_report.html.j2). Expressions are autoescaped.
    type: path
  markdown_template:
    description:
      - The path of a Jinja2 template for the Markdown report; start from a copy of
        C(roles/compliance/templates/pim_compliance_report.md.j2). Expressions are Markdown-escaped.
    type: path
notes:
  - Needs no Graph permissions and takes no authentication options; it only writes files.
seealso:
  - module: ansible.builtin.template
"""

EXAMPLES = r"""
- name: Read every role's settings and assignments, as roles/compliance does
  entra.pim.pim_activation_info:
    role_settings: true
    pending_requests: false
    include_sync_status: true
  register: scan

- name: Evaluate the controls from the scan
  ansible.builtin.set_fact:
    tenant_report: "{{ scan.role_settings | entra.pim.pim_compliance_evaluate(scan, {'id': entra_tenant_id}) }}"

- name: Write the tenant's reports, also when the play runs in check mode
  entra.pim.pim_compliance_report:
    reports: ["{{ tenant_report }}"]
    dest: "{{ playbook_dir }}/reports"
    basename: "{{ entra_tenant_id }}"
  check_mode: false

- name: Write every tenant's report into one HTML page and one JUnit file
  entra.pim.pim_compliance_report:
    reports: "{{ ansible_play_hosts | map('extract', hostvars, 'tenant_report') | select('defined') | list }}"
    dest: "{{ playbook_dir }}/reports"
    basename: all-tenants
    formats: [html, junit]
  run_once: true
  check_mode: false

- name: Write every tenant's reports again, with what changed since the reports already in that folder
  entra.pim.pim_compliance_report:
    reports: "{{ ansible_play_hosts | map('extract', hostvars, 'tenant_report') | select('defined') | list }}"
    dest: "{{ playbook_dir }}/reports"
    basename: all-tenants
    formats: [json, markdown, html]
    previous: "{{ playbook_dir }}/reports"
  run_once: true
  check_mode: false
  register: written

- name: Say what changed
  ansible.builtin.debug:
    msg: "Since {{ written.changes.since }}: {{ written.changes.worse | length }} tenant(s) got worse"
"""

RETURN = r"""
dest:
  description: The absolute path of the directory written into.
  returned: success
  type: str
  sample: /var/lib/pim-compliance
files:
  description: The report files, in the order of O(formats), whether or not they changed.
  returned: success
  type: list
  elements: str
  sample: [/var/lib/pim-compliance/all-tenants.html, /var/lib/pim-compliance/all-tenants.xml]
tenants:
  description: How many tenant reports the files contain.
  returned: success
  type: int
  sample: 1
changes:
  description:
    - What changed since the previous scan, by tenant id (the names are in the reports). C(since) is when the previous
      scan ran; C(worse) lists the tenants with a newly failing control or a new standing privileged assignment,
      C(better) those with a newly passing control or one fewer, C(new) and C(gone) the tenants added and missing.
  returned: when O(previous) was given and found
  type: dict
  sample: {since: "2026-11-21T03:00:00Z", worse: ["8f0e6c33-5c5e-4d5a-9d51-2b7a1c3e4f60"], better: [], new: [],
           gone: []}
"""
