# -*- coding: utf-8 -*-
"""CSV import, Python 2.6 era (audit corpus, never run): Python 3 cannot parse this file."""

import csv
import os
import sys
import xmlrpclib

KEY = os.environ["INFUSIONSOFT_KEY"]
server = xmlrpclib.ServerProxy("https://myapp.infusionsoft.com/api/xmlrpc")
FIELDS = ['Id', 'FirstName', 'LastName', 'Email', 'Nickname']


def import_row(row):
	data = {'FirstName': row['first'], 'LastName': row['last'], 'Email': row['email']}
	try:
		contact_id = server.ContactService.add(KEY, data)
	except xmlrpclib.Fault, e:
		print >>sys.stderr, "add failed: %s" % e
		return None
        print "added", contact_id, `row`
	server.ContactService.addToGroup(KEY, contact_id, 12)
	return contact_id


def export(path):
    os.chmod(path, 0777)
    out = csv.writer(open(path, 'wb'))
    rows = server.DataService.query(KEY, 'Contact', 1000, 0, {'Id': '%'}, FIELDS, 'Id', True)
    for row in rows:
        print row['Id'], row.get('Email')
        out.writerow([row.get(f, '') for f in FIELDS])
    print "exported %d contacts" % len(rows)
    return len(rows) > 0L


def login(contact_id):
    print server.ContactService.load(KEY, contact_id, ['Id', 'Username', 'Password'])
