"""Stand-in for pip's get-pip.py, which ansible-test downloads from ci-files.testing.ansible.com.

Our machines reach PyPI but not that host. ansible-test says the script may be saved by hand in
~/.ansible/test/cache/get_pip_<version>.py; `make sanity` puts this file there. Like get-pip.py it
installs pip (and the packages ansible-test asks for) into the virtual environment running it,
here from the pip that ships inside CPython (ensurepip) and then from PyPI.
"""

import os
import subprocess
import sys

# get-pip.py's own options, which `pip install` does not know.
OWN_OPTIONS = {"--no-setuptools", "--no-wheel"}
# ansible-test runs pip with a trimmed environment, so PIP_CERT / SSL_CERT_FILE do not reach it;
# the venv's own pip.conf makes pip trust the system CA store (where a TLS proxy's CA lives)
# instead of only its vendored certifi bundle, for this install and ansible-test's later ones.
SYSTEM_CA_BUNDLES = ("/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt")

bundle = next((path for path in SYSTEM_CA_BUNDLES if os.path.isfile(path)), None)
if bundle:
    with open(os.path.join(sys.prefix, "pip.conf"), "w", encoding="utf-8") as conf:
        conf.write(f"[global]\ncert = {bundle}\n")

# In a child process: ensurepip sets PIP_CONFIG_FILE=/dev/null in its own environment, which
# would hide every pip.conf from the install below.
subprocess.check_call([sys.executable, "-m", "ensurepip", "--upgrade"])
args = [a for a in sys.argv[1:] if a not in OWN_OPTIONS]
sys.exit(subprocess.call([sys.executable, "-m", "pip", "install", *args]))
